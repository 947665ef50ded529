/**
 * Weight units a scale may report, and their exact size in grams.
 * Everything above the parsers works in grams only.
 */
export const GRAMS_PER_UNIT = {
  mg: 0.001,
  g: 1,
  kg: 1000,
  // International avoirdupois pound and ounce (exact by definition since 1959).
  lb: 453.59237,
  oz: 28.349523125,
} as const;

export type WeightUnit = keyof typeof GRAMS_PER_UNIT;

export const WEIGHT_UNITS = Object.keys(GRAMS_PER_UNIT) as WeightUnit[];

/**
 * The unit a scale printed, or undefined when we do not weigh in it (e.g. `ct`,
 * `N`, `PCS`). Case-insensitive because indicators print `KG` and `kg` alike;
 * no scale prints "megagrams", so `Mg` is read as milligrams.
 */
export function parseUnit(text: string): WeightUnit | undefined {
  const unit = text.trim().toLowerCase();
  return Object.hasOwn(GRAMS_PER_UNIT, unit) ? (unit as WeightUnit) : undefined;
}

/**
 * Converts to grams, rounded to a microgram so that binary floating point does
 * not turn `0.1 kg` into 100.00000000000001 g.
 */
export function toGrams(value: number, unit: WeightUnit): number {
  return roundGrams(value * GRAMS_PER_UNIT[unit], 6);
}

export function fromGrams(grams: number, unit: WeightUnit): number {
  return grams / GRAMS_PER_UNIT[unit];
}

/** Rounds to `decimals` places; the `+ 0` turns -0 into 0 for readable logs and equality. */
export function roundGrams(grams: number, decimals = 3): number {
  const scale = 10 ** decimals;
  return Math.round(grams * scale) / scale + 0;
}
