import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

/**
 * A real pseudo-terminal pair made by socat: the driver opens `driverPath`,
 * a device simulator opens `devicePath`, and bytes cross the kernel's tty
 * layer as they would over a USB serial adapter. unplug() makes both paths
 * vanish (as a pulled USB device does); replug() brings them back under the
 * same names.
 */
export class PtyPair {
  readonly driverPath: string;
  readonly devicePath: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly dir: TempDir;

  private constructor() {
    this.dir = makeTempDir('kiosk-pty-');
    this.driverPath = this.dir.file('driver-tty');
    this.devicePath = this.dir.file('device-tty');
  }

  static async create(): Promise<PtyPair> {
    const pair = new PtyPair();
    await pair.replug();
    return pair;
  }

  async replug(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'socat',
      [`pty,raw,echo=0,link=${this.driverPath}`, `pty,raw,echo=0,link=${this.devicePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(() => existsSync(this.driverPath) && existsSync(this.devicePath), {
      timeoutMs: 5000,
      description: `socat pty pair (${stderr})`,
    });
  }

  async unplug(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
    await waitFor(() => !existsSync(this.driverPath) && !existsSync(this.devicePath), { timeoutMs: 5000, description: 'pty links removed' });
  }

  async dispose(): Promise<void> {
    await this.unplug();
    this.dir.remove();
  }
}
