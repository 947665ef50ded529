import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Size and SHA-256 of a file, read as a stream (bounded memory); undefined when it does not exist. */
export async function hashFile(path: string): Promise<{ sizeBytes: number; sha256: string } | undefined> {
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer);
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** True when the file exists with exactly this size and SHA-256. */
export async function fileMatches(path: string, expected: { sizeBytes: number; sha256: string }): Promise<boolean> {
  const actual = await hashFile(path);
  return actual !== undefined && actual.sizeBytes === expected.sizeBytes && actual.sha256 === expected.sha256;
}
