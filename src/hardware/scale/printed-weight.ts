import { parseUnit, toGrams, type WeightUnit } from './units.js';

/** A weight as a scale printed it, and the same in grams. */
export interface PrintedWeight {
  value: number;
  unit: WeightUnit;
  grams: number;
  /** Decimal places printed: the scale's display resolution. */
  decimals: number;
}

export type PrintedWeightProblem = 'bad-value' | 'bad-unit';

/**
 * A plain decimal: optional sign, digits, optional fraction. No exponent, no
 * comma, no hex, nothing `Number()` would also accept ("", "0x1", "1e3",
 * "Infinity"), because a scale never prints those and a garbled line might.
 */
const DECIMAL = /^[+-]?(?:\d{1,12}(?:\.\d{0,9})?|\.\d{1,9})$/;

export function parsePrintedWeight(valueText: string, unitText: string): PrintedWeight | PrintedWeightProblem {
  if (!DECIMAL.test(valueText)) return 'bad-value';
  const unit = parseUnit(unitText);
  if (unit === undefined) return 'bad-unit';
  const value = Number(valueText) + 0;
  const point = valueText.indexOf('.');
  const decimals = point < 0 ? 0 : valueText.length - point - 1;
  return { value, unit, grams: toGrams(value, unit), decimals };
}
