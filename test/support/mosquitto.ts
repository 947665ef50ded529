import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { canConnect, freePort } from './free-port.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

export interface BrokerOptions {
  /** Keep sessions and queued messages across stop/start (mosquitto's persistence file). */
  persistence?: boolean;
  /** Extra mosquitto.conf lines. */
  extraConfig?: string[];
}

/**
 * A real mosquitto on a free loopback port, one per suite. stop() and start()
 * keep the port, so a kiosk pointed at it sees an outage and a return.
 */
export class Broker {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly dir: TempDir;
  output = '';

  private constructor(
    readonly port: number,
    options: BrokerOptions,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
    this.dir = makeTempDir('kiosk-broker-');
    const lines = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${this.dir.path}/`,
      'log_type error',
      'log_type warning',
      'log_dest stderr',
      ...(options.extraConfig ?? []),
    ];
    writeFileSync(this.configFile, `${lines.join('\n')}\n`);
  }

  static async create(options: BrokerOptions = {}): Promise<Broker> {
    if (!existsSync(MOSQUITTO)) {
      throw new Error(`${MOSQUITTO} is missing: run scripts/install-test-deps.sh (as root) first`);
    }
    const broker = new Broker(await freePort(), options);
    return broker;
  }

  private get configFile(): string {
    return this.dir.file('mosquitto.conf');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(MOSQUITTO, ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(async () => (this.child === child && child.exitCode === null ? canConnect(this.port) : Promise.reject(new Error(`mosquitto exited: ${this.output}`))), {
      timeoutMs: 10_000,
      description: `mosquitto listening on ${this.port}`,
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
  }

  /** Re-reads the configuration, ACL and password files (SIGHUP), keeping connections. */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  /** Freeze the broker: connections stay open but nothing is answered (no PUBACKs). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.dir.remove();
  }
}
