/**
 * `net test`: can this kiosk reach its broker with these settings, and if not,
 * where does it break? One step at a time, each bounded, each reported:
 * DNS (resolve), TCP (connect), TLS (handshake, protocol, peer certificate,
 * verification against the configured CA) and MQTT (CONNACK reason code,
 * with the configured credentials). A failed step skips the rest.
 *
 * Uses its own client id (kiosk-<id>-nettest), so the kiosk's own session is
 * never kicked off the broker by the test.
 */
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import mqtt, { type IClientOptions } from 'mqtt';
import type { NetStep, NetTestReport } from '../../console/settings-facade.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { readBrokerTlsFiles, type BrokerTlsFiles } from '../../sync/broker-tls.js';
import { urlWithoutCredentials } from './redact.js';

type BrokerSettings = DeviceConfig['broker'];

export interface NetTestOptions {
  broker: BrokerSettings;
  source: 'staged' | 'running';
  clientId: string;
  timeoutMs: number;
  signal: AbortSignal;
  now?: () => Date;
}

const CONNACK_REASONS: Readonly<Record<number, string>> = {
  0x00: 'success',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9f: 'connection rate exceeded',
};

export function connackReason(code: number): string {
  return CONNACK_REASONS[code] ?? 'unknown reason';
}

const skipped = (why: string): NetStep => ({ ok: false, skipped: true, detail: `skipped: ${why}` });

export async function runNetTest(options: NetTestOptions): Promise<NetTestReport> {
  const { broker, timeoutMs } = options;
  const url = new URL(broker.url);
  const secure = url.protocol === 'mqtts:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (secure ? 8883 : 1883) : Number(url.port);
  const report: NetTestReport = {
    source: options.source,
    url: urlWithoutCredentials(broker.url),
    host,
    port,
    dns: skipped('not run'),
    tcp: skipped('DNS failed'),
    tls: secure ? skipped('TCP failed') : { ok: true, skipped: true, detail: 'not used (mqtt:// URL)' },
    mqtt: skipped('an earlier step failed'),
    ok: false,
  };
  const bounded = (): AbortSignal => AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);

  let files: BrokerTlsFiles;
  try {
    files = readBrokerTlsFiles(broker);
  } catch (error) {
    report.dns = { ok: false, detail: (error as Error).message };
    return report;
  }

  // DNS
  let started = performance.now();
  try {
    const addresses = isIP(host) ? [host] : (await withSignal(lookup(host, { all: true }), bounded(), 'DNS lookup')).map((entry) => entry.address);
    report.dns = { ok: true, ms: elapsed(started), addresses, detail: `${addresses.join(', ')}${isIP(host) ? ' (literal address)' : ''}` };
  } catch (error) {
    report.dns = { ok: false, ms: elapsed(started), detail: describe(error) };
    return report;
  }
  const address = report.dns.addresses?.[0] as string;

  // TCP
  started = performance.now();
  let socket: Socket;
  try {
    socket = await openTcp(address, port, bounded());
    report.tcp = { ok: true, ms: elapsed(started), address: `${address}:${port}`, detail: `connected to ${address}:${port}` };
  } catch (error) {
    report.tcp = { ok: false, ms: elapsed(started), address: `${address}:${port}`, detail: describe(error) };
    return report;
  }

  // TLS
  if (secure) {
    started = performance.now();
    try {
      const tls = await handshake(socket, host, files, bounded());
      const peer = tls.getPeerCertificate();
      const verified = tls.authorized;
      const verifyError = tls.authorizationError ? String(tls.authorizationError) : null;
      const validTo = peer.valid_to ? new Date(peer.valid_to).toISOString() : undefined;
      const daysLeft = validTo ? Math.floor((Date.parse(validTo) - (options.now?.() ?? new Date()).getTime()) / 86_400_000) : undefined;
      report.tls = {
        ok: verified,
        ms: elapsed(started),
        protocol: tls.getProtocol(),
        peerSubject: nameOf(peer.subject),
        peerIssuer: nameOf(peer.issuer),
        ...(validTo !== undefined ? { validTo } : {}),
        ...(daysLeft !== undefined ? { daysLeft } : {}),
        verified,
        verifyError,
        detail: `${tls.getProtocol() ?? 'TLS'}, peer ${nameOf(peer.subject)}, expires ${validTo?.slice(0, 10) ?? '?'} (${daysLeft ?? '?'} days), ${verified ? 'verified' : `NOT verified: ${verifyError ?? 'unknown'}`}`,
      };
      tls.destroy();
      if (!verified) {
        report.mqtt = skipped('TLS verification failed');
        return report;
      }
    } catch (error) {
      socket.destroy();
      report.tls = { ok: false, ms: elapsed(started), detail: describe(error) };
      return report;
    }
  } else {
    socket.destroy();
  }

  // MQTT
  started = performance.now();
  try {
    const reasonCode = await connack(options, files, bounded());
    report.mqtt = { ok: reasonCode === 0, ms: elapsed(started), reasonCode, reason: connackReason(reasonCode), detail: `CONNACK 0x${hex(reasonCode)} ${connackReason(reasonCode)}` };
  } catch (error) {
    report.mqtt = { ok: false, ms: elapsed(started), detail: describe(error) };
  }
  report.ok = report.mqtt.ok;
  return report;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function nameOf(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '(none)';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/** Rejects with "<what> timed out" / "cancelled" when the signal fires first. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError' ? `${what} timed out` : 'cancelled'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function openTcp(host: string, port: number, signal: AbortSignal): Promise<Socket> {
  const socket = tcpConnect({ host, port });
  const connected = new Promise<Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
  return withSignal(connected, signal, 'TCP connect').catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
}

function handshake(socket: Socket, host: string, files: BrokerTlsFiles, signal: AbortSignal): Promise<TLSSocket> {
  // rejectUnauthorized false: the verification result is reported, not thrown, so a technician sees why.
  const tls = tlsConnect({
    socket,
    host,
    ...(isIP(host) ? {} : { servername: host }),
    ...(files.ca ? { ca: files.ca } : {}),
    ...(files.cert ? { cert: files.cert } : {}),
    ...(files.key ? { key: files.key } : {}),
    rejectUnauthorized: false,
  });
  const done = new Promise<TLSSocket>((resolve, reject) => {
    tls.once('secureConnect', () => resolve(tls));
    tls.once('error', reject);
  });
  return withSignal(done, signal, 'TLS handshake').catch((error: unknown) => {
    tls.destroy();
    throw error;
  });
}

/** The CONNACK reason code the broker answers with these credentials (0 = accepted). */
function connack(options: NetTestOptions, files: BrokerTlsFiles, signal: AbortSignal): Promise<number> {
  const { broker } = options;
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clientId: options.clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: options.timeoutMs,
    ...(broker.username !== undefined ? { username: broker.username } : {}),
    ...(broker.password !== undefined ? { password: broker.password } : {}),
    ...files,
  };
  const client = mqtt.connect(broker.url, clientOptions);
  const answered = new Promise<number>((resolve, reject) => {
    client.once('connect', (packet) => resolve(packet.reasonCode ?? 0));
    client.once('error', (error) => {
      // mqtt.js reports a refusing CONNACK as an error whose code is the reason code.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') resolve(code);
      else reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  return withSignal(answered, signal, 'MQTT CONNACK').finally(() => {
    client.end(true);
  });
}
