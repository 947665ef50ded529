/**
 * One HTTP(S) GET of a model file, from a byte offset on: node's http/https
 * (not fetch), so a private CA is a plain `ca` option and an idle socket has
 * a timeout of its own.
 *
 *   GET url  Range: bytes=<from>-  [If-Range: <etag>]  Accept-Encoding: identity
 *     ──► 200 (whole file: the server ignores ranges, or the file changed) | 206 (from <from> on) | anything else: the caller decides
 *
 * TLS: with broker.caFile that CA is the only one trusted (as for the
 * broker); without it, Node's default CA store (plus NODE_EXTRA_CA_CERTS).
 * Redirects are not followed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RUNTIME_VERSION } from '../../ops/version.js';

export interface GetOptions {
  url: string;
  /** First byte wanted; 0 asks for the whole file without a Range header. */
  fromByte: number;
  /** Sent as If-Range with a range request: a server whose file has another ETag answers 200 with the whole file. */
  ifRange: string | null;
  ca?: Buffer;
  /** No response headers, or no body bytes, for this long ends the request with an error. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

export function httpGet(options: GetOptions): Promise<IncomingMessage> {
  const url = new URL(options.url);
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': `kiosk-runtime/${RUNTIME_VERSION}` };
  if (options.fromByte > 0) {
    headers.range = `bytes=${options.fromByte}-`;
    if (options.ifRange !== null) headers['if-range'] = options.ifRange;
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const request = send(url, {
      method: 'GET',
      headers,
      timeout: options.idleTimeoutMs,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    request.on('timeout', () => {
      const error = new Error(`no data from ${url.host} for ${options.idleTimeoutMs} ms`);
      // The body's reader sees this reason, not a bare "aborted".
      response?.destroy(error);
      request.destroy(error);
    });
    request.on('error', reject);
    request.on('response', (received: IncomingMessage) => {
      response = received;
      resolve(received);
    });
    request.end();
  });
}

/**
 * A URL as logs, errors and events may show it: scheme, host and path. User
 * info and the query go (a pre-signed download URL carries its credential there).
 */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}
