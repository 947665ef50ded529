/**
 * Child process of RemoteGpio (remote-gpio.ts): runs the real OnoffGpio, and
 * through it onoff and its epoll addon, unchanged, inside a private mount
 * namespace whose /sys/class/gpio is the sysfs GPIO simulator.
 *
 *   parent ──IPC: start / stop / write──────────► OnoffGpio ──sysfs──► /sys/class/gpio (FUSE simulator)
 *          ◄─IPC: edge / fault / recovered──────
 *          ──request FIFO: read / health (sync)─►
 *          ◄─response FIFO───────────────────────
 *
 * read() and health() are synchronous in the Gpio interface, so the parent
 * asks them over a pair of FIFOs it reads without returning to its event loop.
 * Environment: KIOSK_REMOTE_GPIO = JSON { config, requestFifo, responseFifo }.
 */
import { constants, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { OnoffGpio } from '../../../src/hardware/gpio/onoff-gpio.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { GpioConfig } from '../../../src/ops/config/gpio-config.js';
import { isKioskError } from '../../../src/ops/errors.js';
import { createLogger } from '../../../src/ops/logger.js';

export interface RemoteGpioSetup {
  config: GpioConfig;
  requestFifo: string;
  responseFifo: string;
}

/** What crosses the process boundary for a thrown error or a fault. */
export interface RemoteError {
  code?: number;
  message: string;
  context?: Record<string, unknown>;
}

export type HostRequest =
  | { id: number; op: 'start' }
  | { id: number; op: 'stop' }
  | { id: number; op: 'write'; line: string; value: boolean };

export type HostMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; error?: RemoteError }
  | { type: 'edge'; edge: { line: string; value: boolean; uptimeMs: number } }
  | { type: 'fault'; error: RemoteError }
  | { type: 'recovered' };

export type SyncRequest = { op: 'read'; line: string } | { op: 'health' };
export type SyncReply = { ok: true; value: unknown } | { ok: false; error: RemoteError };

export function toRemoteError(error: unknown): RemoteError {
  if (isKioskError(error)) return { code: error.code, message: error.message.replace(/^\[E\d+\] /, ''), context: { ...error.context } };
  return { message: error instanceof Error ? error.message : String(error) };
}

function main(): void {
  const setup = JSON.parse(process.env.KIOSK_REMOTE_GPIO ?? '') as RemoteGpioSetup;
  const send = (message: HostMessage): void => {
    process.send?.(message);
  };
  // Warnings and errors to stderr, which the parent shows when something fails.
  const logger = createLogger({ level: 'warn', pretty: false }, process.stderr);
  const gpio = new OnoffGpio({ config: GpioConfig.parse(setup.config), clock: createSystemClock(), logger });
  gpio.on('edge', (edge) => send({ type: 'edge', edge }));
  gpio.on('fault', (error) => send({ type: 'fault', error: toRemoteError(error) }));
  gpio.on('recovered', () => send({ type: 'recovered' }));

  process.on('message', (message: HostRequest) => {
    const run = async (): Promise<void> => {
      if (message.op === 'start') await gpio.start();
      else if (message.op === 'stop') await gpio.stop();
      else await gpio.write(message.line, message.value);
    };
    run().then(
      () => send({ type: 'reply', id: message.id }),
      (error: unknown) => send({ type: 'reply', id: message.id, error: toRemoteError(error) }),
    );
  });
  // The parent went away: release the lines (unexport) and leave.
  process.on('disconnect', () => {
    void gpio.stop().finally(() => process.exit(0));
  });

  const responses = openSync(setup.responseFifo, constants.O_WRONLY);
  const requests = new Socket({ fd: openSync(setup.requestFifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let buffered = '';
  requests.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const request = JSON.parse(buffered.slice(0, newline)) as SyncRequest;
      buffered = buffered.slice(newline + 1);
      let reply: SyncReply;
      try {
        reply = { ok: true, value: request.op === 'read' ? gpio.read(request.line) : gpio.health() };
      } catch (error) {
        reply = { ok: false, error: toRemoteError(error) };
      }
      writeSync(responses, `${JSON.stringify(reply)}\n`);
    }
  });
  send({ type: 'ready' });
}

if (process.env.KIOSK_REMOTE_GPIO) main();
