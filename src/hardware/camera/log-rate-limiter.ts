/**
 * Lets at most `limit` messages through per window, and counts the rest, so a
 * child process that spews stderr (or garbage) cannot flood the log.
 */
export class LogRateLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** undefined: drop this message. Otherwise log it, with how many were dropped since the last one logged. */
  take(): number | undefined {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit) {
      this.suppressed += 1;
      return undefined;
    }
    this.used += 1;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed;
  }
}
