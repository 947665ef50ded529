/**
 * The progress record of one resumable download, `<file>.progress.json`
 * beside `<file>.part`: how many leading bytes of the .part file are on disk
 * for sure (written and fsync'd before the record said so), and a hash chain
 * over those bytes, chunk by chunk, so a resume can prove that the bytes it
 * keeps are the ones it wrote.
 *
 *   chain_0 = sha256("kiosk.ota-chain/1" | url | sizeBytes | sha256)
 *   chain_i = sha256(chain_(i-1) | chunk_i)          chunk_i: bytes [(i-1)·chunkBytes, i·chunkBytes) of the file
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileDurably } from '../../ops/durable-fs.js';

export const DownloadProgress = z
  .object({
    schema: z.literal('kiosk.ota-progress/1'),
    url: z.string(),
    sizeBytes: z.number().int().min(1),
    sha256: z.string(),
    chunkBytes: z.number().int().min(1),
    committedBytes: z.number().int().min(0),
    chain: z.string().regex(/^[0-9a-f]{64}$/),
    /** The server's strong ETag, sent back as If-Range so a changed file restarts from zero instead of splicing. */
    etag: z.string().nullable(),
  })
  .strict();

export type DownloadProgress = z.infer<typeof DownloadProgress>;

export interface DownloadIdentity {
  url: string;
  sizeBytes: number;
  sha256: string;
}

export function chainStart(target: DownloadIdentity): string {
  return createHash('sha256').update(`kiosk.ota-chain/1|${target.url}|${target.sizeBytes}|${target.sha256}`).digest('hex');
}

export function chainNext(chain: string, chunk: Uint8Array): string {
  return createHash('sha256').update(Buffer.from(chain, 'hex')).update(chunk).digest('hex');
}

/** The record when it exists, parses, and is for this very file and chunk size; otherwise undefined (start from zero). */
export function readProgress(path: string, target: DownloadIdentity, chunkBytes: number): DownloadProgress | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = DownloadProgress.safeParse(json);
  if (!parsed.success) return undefined;
  const record = parsed.data;
  const same = record.url === target.url && record.sizeBytes === target.sizeBytes && record.sha256 === target.sha256 && record.chunkBytes === chunkBytes;
  return same && record.committedBytes <= target.sizeBytes ? record : undefined;
}

export function writeProgress(path: string, record: DownloadProgress): void {
  writeFileDurably(path, JSON.stringify(record));
}
