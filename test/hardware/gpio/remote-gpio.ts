/**
 * The real OnoffGpio in a child process whose /sys/class/gpio is the sysfs
 * GPIO simulator, seen from the test as a Gpio.
 *
 * onoff always opens /sys/class/gpio, so the driver cannot be pointed at the
 * simulator's mount in this process. The child runs in its own mount namespace
 * (`unshare -m --propagation private`), where a tmpfs covers /sys/class and the
 * simulator's gpio directory is bound at /sys/class/gpio; nothing outside that
 * namespace changes. This class only carries calls and events across
 * (onoff-gpio-host.ts): every behaviour is the child's OnoffGpio.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Gpio, GpioEvents } from '../../../src/hardware/gpio/gpio.js';
import type { DeviceHealth } from '../../../src/hardware/device.js';
import type { GpioConfig } from '../../../src/ops/config/gpio-config.js';
import { ErrorCode, KioskError } from '../../../src/ops/errors.js';
import { projectRoot } from '../../support/paths.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import type { HostMessage, HostRequest, RemoteError, RemoteGpioSetup } from './onoff-gpio-host.js';

const HOST = join(projectRoot, 'test', 'hardware', 'gpio', 'onoff-gpio-host.ts');
/** In the child's namespace: hide the real /sys/class, put the simulator's tree at /sys/class/gpio, run the host. */
const NAMESPACE_SETUP =
  'set -e; mount -t tmpfs -o size=64k,mode=755 kiosk-gpio-sim /sys/class; mkdir /sys/class/gpio; mount --bind "$1" /sys/class/gpio; shift; exec "$@"';
const SYNC_TIMEOUT_MS = 5000;

/** A request before it is numbered (Omit distributed over the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

function fromRemote(error: RemoteError): KioskError | Error {
  if (error.code === undefined) return new Error(error.message);
  return new KioskError(error.code as ErrorCode, error.message, error.context ?? {});
}

type Reply = Extract<HostMessage, { type: 'reply' }>;

export class RemoteGpio extends EventEmitter<GpioEvents> implements Gpio {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Replies to synchronous calls, taken off the channel and not yet returned. */
  private readonly syncReplies = new Map<number, Reply>();
  private readonly syncIds = new Set<number>();
  private readonly requestFd: number;
  private readonly responseFd: number;
  private readonly responses: Socket;
  private responseText = '';
  private readonly chunk = Buffer.alloc(65_536);
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  private stderr = '';
  private readonly exited: Promise<void>;
  private ready = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: TempDir,
    fifos: { request: string; response: string },
  ) {
    super();
    // O_RDWR: opening never blocks, and the FIFOs never read as closed while the child starts or stops.
    this.requestFd = openSync(fifos.request, constants.O_RDWR);
    this.responseFd = openSync(fifos.response, constants.O_RDWR | constants.O_NONBLOCK);
    // Between synchronous calls the channel is read by the event loop; during one, by callSync() itself.
    this.responses = new Socket({ fd: this.responseFd, readable: true, writable: false });
    this.responses.on('data', (chunk: Buffer) => this.take(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 16_384) this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const { reject } of this.pending.values()) reject(new Error(`the GPIO host exited (${code ?? signal}): ${this.stderr}`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Starts the child on the simulator tree at `gpioRoot` and waits until it listens. Not started as a Gpio yet. */
  static async spawn(config: GpioConfig, gpioRoot: string): Promise<RemoteGpio> {
    const dir = makeTempDir('kiosk-remote-gpio-');
    const fifos = { request: dir.file('request'), response: dir.file('response') };
    execFileSync('mkfifo', [fifos.request, fifos.response]);
    const setup: RemoteGpioSetup = { config, requestFifo: fifos.request, responseFifo: fifos.response };
    const child = spawn(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', NAMESPACE_SETUP, 'sh', gpioRoot, process.execPath, '--import', 'tsx', HOST],
      { cwd: projectRoot, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, KIOSK_REMOTE_GPIO: JSON.stringify(setup) } },
    );
    const remote = new RemoteGpio(child, dir, fifos);
    try {
      await waitFor(() => remote.ready || child.exitCode !== null, { timeoutMs: 30_000, description: 'the GPIO host in its namespace' });
      if (!remote.ready) throw new Error(`the GPIO host exited (${child.exitCode}): ${remote.stderr}`);
    } catch (error) {
      await remote.dispose();
      throw error;
    }
    return remote;
  }

  start(): Promise<void> {
    return this.call({ op: 'start' });
  }

  stop(): Promise<void> {
    return this.call({ op: 'stop' });
  }

  write(line: string, value: boolean): Promise<void> {
    return this.call({ op: 'write', line, value });
  }

  read(line: string): boolean {
    return this.callSync({ op: 'read', line }) as boolean;
  }

  health(): DeviceHealth {
    return this.callSync({ op: 'health' }) as DeviceHealth;
  }

  /** Lets the child release its lines and exit (its stdin closes; SIGKILL after 10 s), then removes the FIFOs. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.responses.destroy(); // closes responseFd
    closeSync(this.requestFd);
    this.dir.remove();
  }

  private send(request: HostRequest): void {
    writeSync(this.requestFd, `${JSON.stringify(request)}\n`);
  }

  private call(request: Unnumbered<HostRequest>): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(new Error(`the GPIO host is gone: ${this.stderr}`));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.send({ ...request, id } as HostRequest);
    });
  }

  /**
   * Asks the child and blocks this thread for the answer (bounded), as a
   * synchronous call must. Whatever the child sent before it (edges, faults)
   * is taken in on the way, so it is delivered before the answer is returned.
   */
  private callSync(request: Unnumbered<HostRequest>): unknown {
    const id = this.nextId++;
    this.syncIds.add(id);
    this.send({ ...request, id } as HostRequest);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    try {
      for (;;) {
        const reply = this.syncReplies.get(id);
        if (reply) {
          if (reply.error) throw fromRemote(reply.error);
          return reply.value;
        }
        let count = 0;
        try {
          count = readSync(this.responseFd, this.chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        }
        if (count > 0) {
          this.take(this.chunk.subarray(0, count));
          continue;
        }
        if (Date.now() > deadline) throw new Error(`the GPIO host did not answer ${request.op} within ${SYNC_TIMEOUT_MS} ms: ${this.stderr}`);
        Atomics.wait(this.nap, 0, 0, 1); // the answer is a pipe write away: look again in 1 ms
      }
    } finally {
      this.syncIds.delete(id);
      this.syncReplies.delete(id);
    }
  }

  private take(chunk: Buffer): void {
    this.responseText += chunk.toString();
    for (let newline = this.responseText.indexOf('\n'); newline >= 0; newline = this.responseText.indexOf('\n')) {
      const message = JSON.parse(this.responseText.slice(0, newline)) as HostMessage;
      this.responseText = this.responseText.slice(newline + 1);
      this.onMessage(message);
    }
  }

  private onMessage(message: HostMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return;
      case 'reply': {
        if (this.syncIds.has(message.id)) {
          this.syncReplies.set(message.id, message);
          return;
        }
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(fromRemote(message.error));
        else waiter?.resolve();
        return;
      }
      case 'edge':
        this.emit('edge', message.edge);
        return;
      case 'fault':
        this.emit('fault', new KioskError((message.error.code ?? ErrorCode.HardwareFault) as ErrorCode, message.error.message, message.error.context ?? {}));
        return;
      case 'recovered':
        this.emit('recovered');
    }
  }
}
