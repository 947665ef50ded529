/**
 * A real HTTP(S) file server on a free loopback port for the OTA tests,
 * with the faults a field download meets, switchable per test:
 *
 * - `ranges: false`: ignores Range headers (answers 200 with the whole file);
 * - `cutAfterBytes`: each response sends that many body bytes, then the
 *   socket is destroyed (a cut connection);
 * - `stallAfterBytes`: each response sends that many bytes, then nothing
 *   more (the connection stays open until the server stops);
 * - `corrupt`: one byte of the served content flipped at an offset;
 * - `chunked`: no Content-Length (chunked transfer encoding);
 * - `status`: answer every request with this status and no body.
 *
 * Every request is logged (path, Range, status) for assertions.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createHash } from 'node:crypto';

export interface ServerFaults {
  ranges?: boolean;
  cutAfterBytes?: number;
  stallAfterBytes?: number;
  corrupt?: { path: string; offset: number };
  chunked?: boolean;
  status?: number;
}

export interface LoggedRequest {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
}

export class ModelServer {
  readonly requests: LoggedRequest[] = [];
  faults: ServerFaults = {};
  private readonly files = new Map<string, Buffer>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly scheme: 'http' | 'https',
    readonly port: number,
  ) {}

  static async start(tls?: { cert: string; key: string }): Promise<ModelServer> {
    let instance: ModelServer | undefined;
    const handler = (request: IncomingMessage, response: ServerResponse): void => instance?.handle(request, response);
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('the model server has no port');
    instance = new ModelServer(server, tls ? 'https' : 'http', address.port);
    server.on('connection', (socket: Socket) => {
      instance?.sockets.add(socket);
      socket.once('close', () => instance?.sockets.delete(socket));
    });
    return instance;
  }

  serve(path: string, body: Uint8Array): string {
    this.files.set(path, Buffer.from(body));
    return this.url(path);
  }

  url(path: string): string {
    return `${this.scheme}://127.0.0.1:${this.port}${path}`;
  }

  requestsFor(path: string): LoggedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    const range = request.headers.range;
    const ifRange = request.headers['if-range'] as string | undefined;
    const log = (status: number): void => {
      this.requests.push({ path, range, ifRange, status });
    };
    if (this.faults.status !== undefined) {
      log(this.faults.status);
      response.writeHead(this.faults.status).end();
      return;
    }
    const stored = this.files.get(path);
    if (!stored) {
      log(404);
      response.writeHead(404).end();
      return;
    }
    const body = this.content(path, stored);
    const etag = `"${createHash('sha256').update(stored).digest('hex').slice(0, 16)}"`;
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    const honoured = this.faults.ranges !== false && match !== null && (ifRange === undefined || ifRange === etag);
    const start = honoured && match ? Number(match[1]) : 0;
    if (start >= body.length && honoured) {
      log(416);
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const status = honoured ? 206 : 200;
    log(status);
    response.writeHead(status, {
      'content-type': 'application/octet-stream',
      ...(this.faults.chunked ? {} : { 'content-length': String(body.length - start) }),
      'accept-ranges': this.faults.ranges === false ? 'none' : 'bytes',
      etag,
      ...(honoured ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const rest = body.subarray(start);
    const { cutAfterBytes, stallAfterBytes } = this.faults;
    if (cutAfterBytes !== undefined && cutAfterBytes < rest.length) {
      response.write(rest.subarray(0, cutAfterBytes), () => response.socket?.destroy());
      return;
    }
    if (stallAfterBytes !== undefined && stallAfterBytes < rest.length) {
      response.write(rest.subarray(0, stallAfterBytes));
      return;
    }
    response.end(rest);
  }

  private content(path: string, stored: Buffer): Buffer {
    const corrupt = this.faults.corrupt;
    if (!corrupt || corrupt.path !== path) return stored;
    const copy = Buffer.from(stored);
    copy[corrupt.offset] = (copy[corrupt.offset] ?? 0) ^ 0xff;
    return copy;
  }
}
