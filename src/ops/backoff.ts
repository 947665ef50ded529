/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): the delay is uniform in [0, min(cap, base * 2^attempt)].
 * Full jitter spreads a fleet that lost its broker at the same moment, so
 * tens of thousands of kiosks do not reconnect in lock-step.
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call widens the window. */
  next(): number {
    const ceiling = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 52);
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
