/**
 * A token bucket: `ratePerSecond` tokens a second, up to `capacity` saved.
 * Rate 0 means unlimited. Pure over an injected monotonic clock (ms).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  get unlimited(): boolean {
    return this.ratePerSecond === 0;
  }

  /** Takes `count` tokens when there are enough (a request above capacity is allowed with a full bucket); true when taken. */
  take(count: number): boolean {
    if (this.unlimited) return true;
    this.refill();
    const needed = Math.min(count, this.capacity);
    if (this.tokens < needed) return false;
    this.tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens will be there (0 when they are). */
  waitMs(count: number): number {
    if (this.unlimited) return 0;
    this.refill();
    const missing = Math.min(count, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((at - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = at;
  }
}
