/**
 * The physics behind the scale simulators: a load cell sampled at the
 * indicator's A/D rate. A new load swings (a decaying oscillation, wider for
 * bigger changes) for `settleSamples` samples, then settles within
 * ±`noiseGrams`, as a parcel dropped on a platform does.
 */
export interface LoadCellSettings {
  noiseGrams: number;
  /** Samples after a load change before the cell reads settled. */
  settleSamples: number;
  random?: () => number;
}

export interface LoadCellSample {
  /** Gross grams on the cell. */
  grams: number;
  settled: boolean;
}

/** The smallest swing, in grams: enough for any sensible software tolerance to see motion. */
const MIN_SWING_GRAMS = 5;

export class VirtualLoadCell {
  private target = 0;
  private swingGrams = 0;
  private samplesSinceChange: number;
  private sample: LoadCellSample = { grams: 0, settled: true };
  private readonly random: () => number;

  constructor(private readonly settings: LoadCellSettings) {
    this.samplesSinceChange = settings.settleSamples;
    this.random = settings.random ?? Math.random;
  }

  /** The load on the platform changes; it swings for a few samples, then settles. */
  setLoad(grams: number): void {
    if (!Number.isFinite(grams)) throw new RangeError(`load must be a finite number of grams, got ${grams}`);
    this.swingGrams = Math.max(MIN_SWING_GRAMS, Math.abs(grams - this.target) * 0.2);
    this.target = grams;
    this.samplesSinceChange = 0;
  }

  get load(): number {
    return this.target;
  }

  /** Takes the next A/D sample. */
  step(): LoadCellSample {
    const k = this.samplesSinceChange;
    const settle = this.settings.settleSamples;
    if (k >= settle) {
      this.sample = { grams: this.target + (this.random() * 2 - 1) * this.settings.noiseGrams, settled: true };
    } else {
      const decay = 1 - k / settle;
      this.sample = { grams: this.target + this.swingGrams * decay * (k % 2 === 0 ? 1 : -1), settled: false };
    }
    this.samplesSinceChange = Math.min(k + 1, settle);
    return this.sample;
  }

  /** The latest sample, without taking a new one. */
  peek(): LoadCellSample {
    return this.sample;
  }
}
