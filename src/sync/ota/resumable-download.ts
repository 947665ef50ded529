/**
 * Downloads one file of a model package into `<file>.part`, resumably:
 *
 *   recover .part (part-file.ts) ──► GET from the first missing byte (http-get.ts)
 *     206 from there ─┐
 *     200 whole file ─┴─(the server ignores ranges, or the file changed: back to zero)─► body in chunks of chunkBytes
 *                                   each chunk: append + fsync + progress record ──► onBytes
 *     cut, timeout, 5xx ──► wait (full-jitter backoff) ──► GET again from the first missing byte
 *   all bytes ──► SHA-256 of the whole file == the package's, else the .part is deleted (E433)
 *
 * Memory is one chunk buffer whatever the file size. The package's size is a
 * hard cap: a server that sends more, or announces another size, is refused
 * (E433). Retries give up after `attempts` tries in a row that brought no new
 * chunk (E432); a try that brings one starts the count again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { Backoff, type BackoffSettings } from '../../ops/backoff.js';
import { ErrorCode, isKioskError, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { httpGet, shownUrl } from './http-get.js';
import { PartFile } from './part-file.js';

export interface DownloadTarget {
  url: string;
  sizeBytes: number;
  sha256: string;
}

export interface DownloadSettings {
  /** Bytes per durable chunk; default 256 KiB. */
  chunkBytes: number;
  /** No headers or body bytes for this long ends a try. */
  idleTimeoutMs: number;
  /** Tries in a row without a new chunk before giving up. */
  attempts: number;
  backoff: BackoffSettings;
  /** broker.caFile's CA, when set. */
  ca?: Buffer;
}

export const DEFAULT_DOWNLOAD_SETTINGS: DownloadSettings = {
  chunkBytes: 256 * 1024,
  idleTimeoutMs: 30_000,
  attempts: 6,
  backoff: { initialMs: 1000, maxMs: 60_000 },
};

export interface DownloadFileOptions {
  partPath: string;
  progressPath: string;
  settings: DownloadSettings;
  logger: Logger;
  signal?: AbortSignal;
  /** After each durable chunk: bytes of this file on disk. */
  onBytes?: (committedBytes: number) => void;
  random?: () => number;
}

export interface DownloadResult {
  /** Bytes kept from an earlier, interrupted run. */
  resumedFromBytes: number;
  /** Bytes received over the network in this run. */
  fetchedBytes: number;
  /** Times the download went back to byte zero (no range support, changed file, untrusted .part). */
  restartsFromZero: number;
}

export async function downloadFile(target: DownloadTarget, options: DownloadFileOptions): Promise<DownloadResult> {
  const { settings, logger, signal } = options;
  const { part, resumed, discarded } = await PartFile.open(target, { part: options.partPath, progress: options.progressPath }, settings.chunkBytes);
  const log = logger.child({ url: shownUrl(target.url) });
  if (resumed > 0) log.info({ resumedFromBytes: resumed, sizeBytes: target.sizeBytes }, 'resuming download');
  if (discarded) log.warn('the partial download did not match its progress record; starting from zero');
  const result: DownloadResult = { resumedFromBytes: resumed, fetchedBytes: 0, restartsFromZero: 0 };
  const backoff = new Backoff(settings.backoff, options.random);
  let triesLeft = settings.attempts;
  const buffer = Buffer.allocUnsafe(settings.chunkBytes);
  try {
    while (part.committed < target.sizeBytes) {
      throwIfCancelled(signal);
      const before = part.committed;
      try {
        await fetchOnce(target, part, buffer, options, result, log);
      } catch (error) {
        throwIfCancelled(signal);
        if (isKioskError(error) && error.context.transient !== true) {
          // The server has another file than the package describes: what is kept of it is of no use.
          if (error.code === ErrorCode.OtaFileMismatch) await part.discard();
          throw error;
        }
        if (part.committed > before) {
          triesLeft = settings.attempts;
          backoff.reset();
        }
        triesLeft -= 1;
        const reason = (error as Error).message;
        if (triesLeft <= 0) {
          throw new KioskError(ErrorCode.OtaDownloadFailed, `cannot download ${shownUrl(target.url)}: ${reason} (${settings.attempts} tries without progress)`, { url: shownUrl(target.url), committedBytes: part.committed }, { cause: error });
        }
        const waitMs = backoff.next();
        log.warn({ reason, committedBytes: part.committed, sizeBytes: target.sizeBytes, retryInMs: waitMs }, 'download interrupted; retrying');
        await delay(waitMs, undefined, signal === undefined ? {} : { signal }).catch(() => throwIfCancelled(signal));
      }
    }
    const sha256 = part.digest();
    if (sha256 !== target.sha256) {
      await part.discard();
      throw new KioskError(ErrorCode.OtaFileMismatch, `${shownUrl(target.url)} has sha256 ${sha256}, the package says ${target.sha256}`, { url: shownUrl(target.url), sha256, expectedSha256: target.sha256 });
    }
    return result;
  } finally {
    await part.close().catch(() => undefined);
  }
}

async function fetchOnce(target: DownloadTarget, part: PartFile, buffer: Buffer, options: DownloadFileOptions, result: DownloadResult, log: Logger): Promise<void> {
  const { settings, signal } = options;
  const response = await httpGet({
    url: target.url,
    fromByte: part.committed,
    ifRange: part.etag,
    idleTimeoutMs: settings.idleTimeoutMs,
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
    ...(signal === undefined ? {} : { signal }),
  });
  try {
    await acceptResponse(target, part, response, result, log);
    let filled = 0;
    for await (const data of response as AsyncIterable<Buffer>) {
      result.fetchedBytes += data.length;
      let offset = 0;
      while (offset < data.length) {
        if (part.committed + filled + (data.length - offset) > target.sizeBytes) {
          throw new KioskError(ErrorCode.OtaFileMismatch, `${shownUrl(target.url)} is larger than the package's ${target.sizeBytes} bytes`, { url: shownUrl(target.url), sizeBytes: target.sizeBytes });
        }
        const count = Math.min(buffer.length - filled, data.length - offset);
        data.copy(buffer, filled, offset, offset + count);
        filled += count;
        offset += count;
        if (filled === buffer.length || part.committed + filled === target.sizeBytes) {
          await part.commit(buffer.subarray(0, filled));
          filled = 0;
          options.onBytes?.(part.committed);
        }
      }
    }
    if (part.committed < target.sizeBytes) throw transient(`the response ended after ${part.committed + filled} of ${target.sizeBytes} bytes`);
  } finally {
    response.destroy();
  }
}

/** Checks status and headers; rewinds the .part when the server sends the whole file. */
async function acceptResponse(target: DownloadTarget, part: PartFile, response: IncomingMessage, result: DownloadResult, log: Logger): Promise<void> {
  const status = response.statusCode ?? 0;
  const etag = strongEtag(response.headers.etag);
  if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers['content-range'] ?? '');
    if (!range) throw transient(`a 206 answer without a usable Content-Range (${response.headers['content-range'] ?? 'none'})`);
    const total = range[3] === '*' ? undefined : Number(range[3]);
    if (total !== undefined && total !== target.sizeBytes) throw sizeMismatch(target, total);
    if (Number(range[1]) !== part.committed) {
      await part.reset();
      throw transient(`the server sent bytes from ${range[1]}, not from ${part.committed}`);
    }
    if (etag !== null) part.etag = etag;
    return;
  }
  if (status === 200) {
    if (part.committed > 0) {
      log.warn({ committedBytes: part.committed }, 'the server sent the whole file (no range support, or the file changed); starting from zero');
      await part.reset();
      result.restartsFromZero += 1;
    }
    const length = response.headers['content-length'];
    if (length !== undefined && Number(length) !== target.sizeBytes) throw sizeMismatch(target, Number(length));
    part.etag = etag;
    return;
  }
  if (status === 416) {
    await part.reset();
    result.restartsFromZero += 1;
    throw transient('HTTP 416: the server cannot serve the range; starting from zero');
  }
  if (status === 408 || status === 429 || status >= 500) throw transient(`HTTP ${status}`);
  throw new KioskError(ErrorCode.OtaDownloadFailed, `cannot download ${shownUrl(target.url)}: HTTP ${status}`, { url: shownUrl(target.url), status });
}

function strongEtag(value: string | undefined): string | null {
  return value !== undefined && value.startsWith('"') ? value : null;
}

function sizeMismatch(target: DownloadTarget, size: number): KioskError {
  return new KioskError(ErrorCode.OtaFileMismatch, `${shownUrl(target.url)} has ${size} bytes, the package says ${target.sizeBytes}`, { url: shownUrl(target.url), size, sizeBytes: target.sizeBytes });
}

/** A failure that another try may not have: network, timeout, server busy. */
function transient(message: string): KioskError {
  return new KioskError(ErrorCode.OtaDownloadFailed, message, { transient: true });
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new KioskError(ErrorCode.OtaCancelled, 'the model update was cancelled', {}, { cause: signal.reason });
}
