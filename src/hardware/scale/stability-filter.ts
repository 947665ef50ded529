/**
 * Software motion detection for scales that do not flag stability, or whose
 * flag we do not trust: a weight is stable once it has stayed inside a band of
 * `toleranceGrams` for at least `windowMs` AND at least `readings` readings.
 * Both are needed: a fast indicator gives 5 readings in 50 ms, too short to
 * see a swing; a slow one may report once a second, too few to judge.
 *
 * Pure: time is passed in (Clock.uptimeMs()), nothing is scheduled.
 */
export interface StabilitySettings {
  readings: number;
  toleranceGrams: number;
  windowMs: number;
}

interface Sample {
  grams: number;
  atMs: number;
}

/**
 * The run is capped so that a scale streaming at any rate cannot grow it
 * without limit; the oldest samples go first, which can only shorten the run
 * when more than this many arrive within `windowMs` (over 2 kHz at 2 s).
 */
export const MAX_SAMPLES = 4096;

export class StabilityFilter {
  /** The longest run of recent samples that fits in the band, oldest first. */
  private run: Sample[] = [];

  constructor(private readonly settings: StabilitySettings) {}

  /** Adds a reading and says whether the weight is now stable. */
  push(grams: number, atMs: number): boolean {
    if (!Number.isFinite(grams)) {
      this.reset();
      return false;
    }
    const last = this.run.at(-1);
    // A clock that went backwards (it should not) must not make old samples count as a long run.
    if (last !== undefined && atMs < last.atMs) this.run = [];
    this.run.push({ grams, atMs });
    this.trimToBand();
    if (this.run.length > MAX_SAMPLES) this.run.splice(0, this.run.length - MAX_SAMPLES);
    return this.isStable(atMs);
  }

  /** Forgets the history, e.g. after an overload, a fault or a tare. */
  reset(): void {
    this.run = [];
  }

  get size(): number {
    return this.run.length;
  }

  private isStable(nowMs: number): boolean {
    const first = this.run[0];
    return first !== undefined && this.run.length >= this.settings.readings && nowMs - first.atMs >= this.settings.windowMs;
  }

  /** Drops the oldest samples until max - min of the run is within tolerance. */
  private trimToBand(): void {
    let low = Infinity;
    let high = -Infinity;
    // Walk back from the newest sample; the first one that breaks the band ends the run.
    for (let index = this.run.length - 1; index >= 0; index -= 1) {
      const { grams } = this.run[index]!;
      low = Math.min(low, grams);
      high = Math.max(high, grams);
      if (high - low > this.settings.toleranceGrams + 1e-9) {
        this.run.splice(0, index + 1);
        return;
      }
    }
  }
}
