/**
 * Child process of RemoteGpio (remote-gpio.ts): runs the real OnoffGpio, and
 * through it onoff and its epoll addon, unchanged, inside a private mount
 * namespace whose /sys/class/gpio is the sysfs GPIO simulator.
 *
 *   parent ──request FIFO: start / stop / write / read / health──► OnoffGpio ──sysfs──► /sys/class/gpio (FUSE simulator)
 *          ◄─response FIFO: replies, edge / fault / recovered, in the order they happened─
 *
 * One ordered channel back, so the parent never sees read()'s answer before
 * the edge that changed the value: read() and health() are synchronous in the
 * Gpio interface, and the parent reads this FIFO without returning to its event
 * loop for them, taking in the events written before the answer on the way.
 * The parent closing stdin means it is gone: release the lines and exit.
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
  | { id: number; op: 'write'; line: string; value: boolean }
  | { id: number; op: 'read'; line: string }
  | { id: number; op: 'health' };

export type HostMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; value?: unknown; error?: RemoteError }
  | { type: 'edge'; edge: { line: string; value: boolean; uptimeMs: number } }
  | { type: 'fault'; error: RemoteError }
  | { type: 'recovered' };

export function toRemoteError(error: unknown): RemoteError {
  if (isKioskError(error)) return { code: error.code, message: error.message.replace(/^\[E\d+\] /, ''), context: { ...error.context } };
  return { message: error instanceof Error ? error.message : String(error) };
}

function main(): void {
  const setup = JSON.parse(process.env.KIOSK_REMOTE_GPIO ?? '') as RemoteGpioSetup;
  const responses = openSync(setup.responseFifo, constants.O_WRONLY);
  // One line per write, well under PIPE_BUF: each lands whole and in order.
  const send = (message: HostMessage): void => {
    writeSync(responses, `${JSON.stringify(message)}\n`);
  };
  // Warnings and errors to stderr, which the parent shows when something fails.
  const logger = createLogger({ level: 'warn', pretty: false }, process.stderr);
  const gpio = new OnoffGpio({ config: GpioConfig.parse(setup.config), clock: createSystemClock(), logger });
  gpio.on('edge', (edge) => send({ type: 'edge', edge }));
  gpio.on('fault', (error) => send({ type: 'fault', error: toRemoteError(error) }));
  gpio.on('recovered', () => send({ type: 'recovered' }));

  const handle = (request: HostRequest): void => {
    if (request.op === 'read' || request.op === 'health') {
      try {
        send({ type: 'reply', id: request.id, value: request.op === 'read' ? gpio.read(request.line) : gpio.health() });
      } catch (error) {
        send({ type: 'reply', id: request.id, error: toRemoteError(error) });
      }
      return;
    }
    const run = request.op === 'start' ? gpio.start() : request.op === 'stop' ? gpio.stop() : gpio.write(request.line, request.value);
    run.then(
      () => send({ type: 'reply', id: request.id }),
      (error: unknown) => send({ type: 'reply', id: request.id, error: toRemoteError(error) }),
    );
  };

  const requests = new Socket({ fd: openSync(setup.requestFifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let buffered = '';
  requests.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const request = JSON.parse(buffered.slice(0, newline)) as HostRequest;
      buffered = buffered.slice(newline + 1);
      handle(request);
    }
  });
  process.stdin.resume();
  process.stdin.on('end', () => {
    void gpio.stop().finally(() => process.exit(0));
  });
  send({ type: 'ready' });
}

if (process.env.KIOSK_REMOTE_GPIO) main();
