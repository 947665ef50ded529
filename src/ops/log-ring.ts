/**
 * The most recent log lines, kept in memory for the technician console's
 * `logs tail`. A pino destination: pino has already applied redaction when a
 * line reaches `write`, so the ring never holds a secret the log would not.
 * Bounded in lines and in bytes per line, so a log storm cannot grow memory.
 */
export class LogRing {
  private readonly lines: string[] = [];

  constructor(
    readonly capacity = 500,
    private readonly maxLineChars = 2048,
  ) {}

  /** pino calls this with one or more newline-terminated JSON lines. */
  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) {
      if (line.length === 0) continue;
      this.lines.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
      if (this.lines.length > this.capacity) this.lines.shift();
    }
    return true;
  }

  /** The last `count` lines, oldest first. */
  tail(count: number): string[] {
    return count <= 0 ? [] : this.lines.slice(-count);
  }
}
