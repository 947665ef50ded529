/**
 * Drops a code seen again within `windowMs` of its last sighting, as a pure
 * component with time passed in. The window slides: a carton left in front of
 * a scanner in presentation mode is read every few hundred milliseconds, and
 * must count once for as long as it stays, not once per window.
 *
 * Memory is bounded: at most `maxEntries` recent codes are remembered, the
 * least recently seen forgotten first.
 */
export class DuplicateFilter {
  /** Code -> when it was last seen; Map keeps insertion order, so the oldest sighting is first. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 64,
  ) {}

  /** True when the code should be delivered. Records the sighting either way. */
  accept(code: string, nowMs: number): boolean {
    if (this.windowMs <= 0) return true;
    this.forgetBefore(nowMs - this.windowMs);
    const previous = this.lastSeen.get(code);
    this.lastSeen.delete(code);
    this.lastSeen.set(code, nowMs);
    if (this.lastSeen.size > this.maxEntries) {
      const oldest = this.lastSeen.keys().next();
      if (!oldest.done) this.lastSeen.delete(oldest.value);
    }
    return previous === undefined;
  }

  get size(): number {
    return this.lastSeen.size;
  }

  reset(): void {
    this.lastSeen.clear();
  }

  private forgetBefore(cutoffMs: number): void {
    for (const [code, seenAt] of this.lastSeen) {
      if (seenAt > cutoffMs) break;
      this.lastSeen.delete(code);
    }
  }
}
