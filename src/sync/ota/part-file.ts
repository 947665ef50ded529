/**
 * `<file>.part` and its progress record, as one durable unit: bytes are only
 * ever appended one whole chunk at a time, fsync'd, and then counted in the
 * record (download-progress.ts). After a crash the record may lag the file
 * (a chunk written, not yet counted: it is cut off again) but never lead it.
 *
 *   recover(): record? ──no──► empty file
 *              │ yes: re-read the counted prefix chunk by chunk ──chain differs──► empty file
 *              └──► cut the file to the counted length, file hash rebuilt from the prefix
 *   commit(chunk): write at the end ──► fdatasync ──► hash, chain ──► record (temp + fsync + rename)
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { chainNext, chainStart, readProgress, writeProgress, type DownloadIdentity } from './download-progress.js';

export class PartFile {
  private hash: Hash = createHash('sha256');
  private chain: string;
  private committedBytes = 0;
  /** The server's strong ETag for this file, once a response gave one. */
  etag: string | null = null;

  private constructor(
    private readonly handle: FileHandle,
    private readonly target: DownloadIdentity,
    private readonly partPath: string,
    private readonly progressPath: string,
    private readonly chunkBytes: number,
  ) {
    this.chain = chainStart(target);
  }

  /** Opens (or creates) the .part file and recovers what a previous run left. `resumed` says how many bytes were kept. */
  static async open(target: DownloadIdentity, paths: { part: string; progress: string }, chunkBytes: number): Promise<{ part: PartFile; resumed: number; discarded: boolean }> {
    const handle = await open(paths.part, constants.O_RDWR | constants.O_CREAT, 0o644);
    const part = new PartFile(handle, target, paths.part, paths.progress, chunkBytes);
    try {
      const discarded = !(await part.recover());
      return { part, resumed: part.committedBytes, discarded };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get committed(): number {
    return this.committedBytes;
  }

  /** Appends one chunk durably (whole chunks only, except the file's last). */
  async commit(chunk: Uint8Array): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, this.committedBytes + written);
      written += bytesWritten;
    }
    await this.handle.datasync();
    this.hash.update(chunk);
    this.chain = chainNext(this.chain, chunk);
    this.committedBytes += chunk.length;
    this.writeRecord();
  }

  /** Drops everything: the server sent the whole file again, or what was kept cannot be trusted. */
  async reset(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.hash = createHash('sha256');
    this.chain = chainStart(this.target);
    this.committedBytes = 0;
    this.etag = null;
    this.writeRecord();
  }

  /** SHA-256 of the committed bytes (call once, when complete). */
  digest(): string {
    return this.hash.digest('hex');
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Deletes the .part file and its record (after a hash mismatch: the next try starts from zero). */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.partPath, { force: true });
    await rm(this.progressPath, { force: true });
  }

  private async recover(): Promise<boolean> {
    const record = readProgress(this.progressPath, this.target, this.chunkBytes);
    const { size } = await this.handle.stat();
    if (!record || size < record.committedBytes) {
      await this.reset();
      return record === undefined && size === 0;
    }
    const buffer = Buffer.allocUnsafe(this.chunkBytes);
    let chain = chainStart(this.target);
    const hash = createHash('sha256');
    for (let offset = 0; offset < record.committedBytes; offset += this.chunkBytes) {
      const length = Math.min(this.chunkBytes, record.committedBytes - offset);
      const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
      if (bytesRead !== length) break;
      const chunk = buffer.subarray(0, length);
      chain = chainNext(chain, chunk);
      hash.update(chunk);
    }
    if (chain !== record.chain) {
      await this.reset();
      return false;
    }
    if (size > record.committedBytes) await this.handle.truncate(record.committedBytes);
    this.hash = hash;
    this.chain = chain;
    this.committedBytes = record.committedBytes;
    this.etag = record.etag;
    return true;
  }

  private writeRecord(): void {
    writeProgress(this.progressPath, {
      schema: 'kiosk.ota-progress/1',
      url: this.target.url,
      sizeBytes: this.target.sizeBytes,
      sha256: this.target.sha256,
      chunkBytes: this.chunkBytes,
      committedBytes: this.committedBytes,
      chain: this.chain,
      etag: this.etag,
    });
  }
}
