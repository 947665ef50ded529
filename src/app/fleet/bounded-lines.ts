/** The newest of `lines` whose JSON strings add up to at most `maxBytes`, oldest first. */
export function newestLinesWithin(lines: readonly string[], maxBytes: number): { lines: string[]; truncated: boolean } {
  const kept: string[] = [];
  let total = 2;
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index] ?? '';
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (total + size > maxBytes) return { lines: kept.reverse(), truncated: true };
    total += size;
    kept.push(line);
  }
  return { lines: kept.reverse(), truncated: false };
}
