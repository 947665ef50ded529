import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isKioskError } from '../../../src/ops/errors.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { DownloadProgress } from '../../../src/sync/ota/download-progress.js';
import { downloadFile, type DownloadFileOptions, type DownloadTarget } from '../../../src/sync/ota/resumable-download.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { makeTestPki } from '../../support/tls-certs.js';
import { waitFor } from '../../support/wait-for.js';
import { ModelServer } from './support/model-server.js';

const CHUNK = 64 * 1024;
/** 300 KiB and a bit: four whole chunks and a short last one. */
const SIZE = 4 * CHUNK + 12_345;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readProgressFile(path: string): DownloadProgress {
  return DownloadProgress.parse(JSON.parse(readFileSync(path, 'utf8')));
}

describe('downloadFile (resumable, over a real HTTP server)', () => {
  let dir: TempDir;
  let server: ModelServer;
  let body: Buffer;
  let target: DownloadTarget;

  function options(extra: Partial<DownloadFileOptions> = {}): DownloadFileOptions {
    return {
      partPath: dir.file('model.onnx.part'),
      progressPath: dir.file('model.onnx.progress.json'),
      settings: { chunkBytes: CHUNK, idleTimeoutMs: 2000, attempts: 4, backoff: { initialMs: 10, maxMs: 40 } },
      logger: createSilentLogger(),
      random: () => 0,
      ...extra,
    };
  }

  beforeEach(async () => {
    dir = makeTempDir('kiosk-ota-dl-');
    server = await ModelServer.start();
    body = randomBytes(SIZE);
    target = { url: server.serve('/m/model.onnx', body), sizeBytes: SIZE, sha256: sha256(body) };
  });

  afterEach(async () => {
    await server.stop();
    dir.remove();
  });

  it('downloads a whole file in one request and checks its sha256', async () => {
    const result = await downloadFile(target, options());
    expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);
    expect(result).toEqual({ resumedFromBytes: 0, fetchedBytes: SIZE, restartsFromZero: 0 });
    expect(server.requests.map((request) => [request.range, request.status])).toEqual([[undefined, 200]]);
    expect(readProgressFile(dir.file('model.onnx.progress.json')).committedBytes).toBe(SIZE);
  });

  it('resumes after each cut connection from the last whole chunk, with Range requests', async () => {
    server.faults = { cutAfterBytes: 150_000 };
    const committed: number[] = [];
    const result = await downloadFile(target, options({ settings: { ...options().settings, attempts: 10 }, onBytes: (bytes) => committed.push(bytes) }));
    expect(sha256(readFileSync(dir.file('model.onnx.part')))).toBe(target.sha256);
    const [first, ...resumes] = server.requests;
    expect(first).toMatchObject({ range: undefined, status: 200 });
    // Bytes that arrived after the last whole chunk are lost with the connection: each try starts at a chunk boundary after the last.
    expect(resumes.length).toBeGreaterThanOrEqual(1);
    const starts = resumes.map((request) => Number(/^bytes=(\d+)-$/.exec(request.range ?? '')?.[1]));
    expect(starts.every((start) => start > 0 && start % CHUNK === 0)).toBe(true);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(resumes.every((request) => request.status === 206 && request.ifRange !== undefined)).toBe(true);
    expect(committed.at(-1)).toBe(SIZE);
    expect(committed.slice(0, -1).every((bytes) => bytes % CHUNK === 0)).toBe(true);
    expect(result.restartsFromZero).toBe(0);
    expect(result.fetchedBytes).toBeLessThan(3 * SIZE);
  });

  it('a later run resumes from the .part and its progress record', async () => {
    server.faults = { stallAfterBytes: 2 * CHUNK + 500 };
    const abort = new AbortController();
    const first = downloadFile(target, options({ signal: abort.signal }));
    await waitFor(() => existsSync(dir.file('model.onnx.progress.json')) && readProgressFile(dir.file('model.onnx.progress.json')).committedBytes === 2 * CHUNK, {
      description: 'two chunks on disk',
    });
    abort.abort();
    const failure = await first.catch((error: unknown) => error);
    expect(isKioskError(failure, ErrorCode.OtaCancelled)).toBe(true);

    server.faults = {};
    const result = await downloadFile(target, options());
    expect(result.resumedFromBytes).toBe(2 * CHUNK);
    expect(result.fetchedBytes).toBe(SIZE - 2 * CHUNK);
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${2 * CHUNK}-`, status: 206 });
    expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);
  });

  it('starts again from zero when the server ignores Range', async () => {
    server.faults = { stallAfterBytes: CHUNK + 10 };
    const abort = new AbortController();
    const first = downloadFile(target, options({ signal: abort.signal }));
    await waitFor(() => existsSync(dir.file('model.onnx.progress.json')) && readProgressFile(dir.file('model.onnx.progress.json')).committedBytes === CHUNK, {
      description: 'one chunk on disk',
    });
    abort.abort();
    await first.catch(() => undefined);

    server.faults = { ranges: false };
    const result = await downloadFile(target, options());
    expect(result).toMatchObject({ resumedFromBytes: CHUNK, restartsFromZero: 1, fetchedBytes: SIZE });
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${CHUNK}-`, status: 200 });
    expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);
  });

  it('refuses a file whose sha256 differs (one corrupted byte) and deletes the .part', async () => {
    server.faults = { corrupt: { path: '/m/model.onnx', offset: 3 * CHUNK + 7 } };
    const failure = await downloadFile(target, options()).catch((error: unknown) => error);
    expect(isKioskError(failure, ErrorCode.OtaFileMismatch)).toBe(true);
    expect(existsSync(dir.file('model.onnx.part'))).toBe(false);
    expect(existsSync(dir.file('model.onnx.progress.json'))).toBe(false);
  });

  it('refuses a server file of another size (announced, or sent beyond the cap)', async () => {
    const larger = { ...target, sizeBytes: SIZE - 1 };
    const announced = await downloadFile(larger, options()).catch((error: unknown) => error);
    expect(isKioskError(announced, ErrorCode.OtaFileMismatch)).toBe(true);

    // Without a Content-Length (chunked encoding) the cap stops the body itself.
    server.faults = { chunked: true };
    const sent = await downloadFile({ ...target, sizeBytes: CHUNK + 1 }, options()).catch((error: unknown) => error);
    expect(isKioskError(sent, ErrorCode.OtaFileMismatch)).toBe(true);
    expect((sent as Error).message).toContain('larger than');
    expect(existsSync(dir.file('model.onnx.part'))).toBe(false);
  });

  it('gives up at once on 404, and after its tries on a server that keeps failing', async () => {
    // A pre-signed URL's credential (its query) never reaches an error message, a log line or an event.
    const missing = await downloadFile({ ...target, url: `${server.url('/m/none.onnx')}?X-Amz-Signature=s3cr3t` }, options()).catch((error: unknown) => error);
    expect(isKioskError(missing, ErrorCode.OtaDownloadFailed)).toBe(true);
    expect((missing as Error).message).toContain('/m/none.onnx: HTTP 404');
    expect(JSON.stringify({ message: (missing as Error).message, context: (missing as { context: unknown }).context })).not.toContain('s3cr3t');
    expect(server.requests.filter((request) => request.path.startsWith('/m/none.onnx'))).toHaveLength(1);

    server.faults = { status: 503 };
    const busy = await downloadFile(target, options()).catch((error: unknown) => error);
    expect(isKioskError(busy, ErrorCode.OtaDownloadFailed)).toBe(true);
    expect((busy as Error).message).toContain('HTTP 503');
    expect(server.requestsFor('/m/model.onnx')).toHaveLength(4);
  });

  it('times out an idle connection, retries, and gives up after its tries without progress', async () => {
    server.faults = { stallAfterBytes: 0 };
    const failure = await downloadFile(target, options({ settings: { ...options().settings, idleTimeoutMs: 150, attempts: 2 } })).catch((error: unknown) => error);
    expect(isKioskError(failure, ErrorCode.OtaDownloadFailed)).toBe(true);
    expect((failure as Error).message).toContain('no data');
    expect(server.requests).toHaveLength(2);
  });

  it('keeps only the bytes its record vouches for: a torn tail is cut, a changed prefix restarts from zero', async () => {
    server.faults = { stallAfterBytes: 2 * CHUNK + 100 };
    const abort = new AbortController();
    const first = downloadFile(target, options({ signal: abort.signal }));
    await waitFor(() => existsSync(dir.file('model.onnx.progress.json')) && readProgressFile(dir.file('model.onnx.progress.json')).committedBytes === 2 * CHUNK, {
      description: 'two chunks on disk',
    });
    abort.abort();
    await first.catch(() => undefined);

    // A power cut after a chunk was written but before the record counted it: bytes beyond the record.
    appendFileSync(dir.file('model.onnx.part'), randomBytes(1000));
    server.faults = {};
    const resumed = await downloadFile(target, options());
    expect(resumed.resumedFromBytes).toBe(2 * CHUNK);
    expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);

    // The kept prefix no longer matches the record's hash chain: nothing of it is trusted.
    const part = readFileSync(dir.file('model.onnx.part'));
    part[10] = (part[10] ?? 0) ^ 1;
    writeFileSync(dir.file('model.onnx.part'), part);
    const progress = readProgressFile(dir.file('model.onnx.progress.json'));
    writeFileSync(dir.file('model.onnx.progress.json'), JSON.stringify({ ...progress, committedBytes: 2 * CHUNK }));
    writeFileSync(dir.file('model.onnx.part'), part.subarray(0, 2 * CHUNK));
    const restarted = await downloadFile(target, options());
    expect(restarted.resumedFromBytes).toBe(0);
    expect(server.requests.at(-1)?.range).toBeUndefined();
    expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);
  });

  describe('over HTTPS', () => {
    let pkiDir: TempDir;
    let tlsServer: ModelServer;
    let ca: Buffer;

    beforeEach(async () => {
      pkiDir = makeTempDir('kiosk-ota-pki-');
      const pki = makeTestPki(pkiDir);
      ca = Buffer.from(pki.caCert);
      tlsServer = await ModelServer.start({ cert: pki.serverCert, key: pki.serverKey });
    });

    afterEach(async () => {
      await tlsServer.stop();
      pkiDir.remove();
    });

    it("trusts broker.caFile's CA, and refuses the server without it", async () => {
      const secure = { ...target, url: tlsServer.serve('/m/model.onnx', body) };
      const settings = { ...options().settings, ca, attempts: 1 };
      await downloadFile(secure, options({ settings }));
      expect(readFileSync(dir.file('model.onnx.part')).equals(body)).toBe(true);

      const untrusted = await downloadFile(secure, options({ partPath: dir.file('other.part'), progressPath: dir.file('other.json'), settings: { ...settings, ca: undefined } })).catch(
        (error: unknown) => error,
      );
      expect(isKioskError(untrusted, ErrorCode.OtaDownloadFailed)).toBe(true);
      expect((untrusted as Error).message).toMatch(/certificate/i);
    });
  });
});
