/**
 * The sysfs GPIO simulator (src/hardware/gpio/sysfs-sim/sysfs-gpio-sim.c) from a test:
 * builds it, mounts it (FUSE) in a temp dir, and drives and watches its pins.
 *
 *   <mountpoint>/gpio/...      the /sys/class/gpio ABI the driver sees (bound there in its own mount namespace)
 *   <mountpoint>/sim/pin/N     the wire: read the level at pin N, write the level the outside world drives
 *   <mountpoint>/sim/log       every sysfs write the driver made, and every driven level
 *
 * Needs root (FUSE mounts, and `unshare -m` for the driver's namespace) and the
 * packages scripts/install-test-deps.sh installs (libfuse3-dev, fuse3, pkg-config, gcc).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../support/paths.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

export interface SimChip {
  /** gpiochipN */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** As on a Raspberry Pi 5 with kernel 6.6: the header GPIOs are on pinctrl-rp1, numbered from 571. */
export const PI5_CHIPS: readonly SimChip[] = [
  { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { name: 'gpiochip544', label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 27 },
  { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];

/** Why the simulator cannot run here, or undefined when it can. */
export function sysfsGpioSimUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the sysfs GPIO simulator needs root (a FUSE mount and a private mount namespace)';
  if (!existsSync('/dev/fuse')) return 'the sysfs GPIO simulator needs /dev/fuse';
  return undefined;
}

let builtBinary: string | undefined;

/** Compiles the simulator once per test process (a no-op when it is up to date); fails with the compiler's words. */
export function buildSysfsGpioSim(): string {
  if (builtBinary) return builtBinary;
  const result = spawnSync('bash', [join(projectRoot, 'scripts', 'build-sysfs-gpio-sim.sh')], { cwd: projectRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the sysfs GPIO simulator failed (${result.status}): ${result.stderr}${result.stdout}`);
  builtBinary = result.stdout.trim();
  return builtBinary;
}

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);
}

export class SysfsGpioSim {
  /** What the driver must see at /sys/class/gpio. */
  readonly gpioRoot: string;
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly dir: TempDir,
    readonly mountpoint: string,
    private readonly child: ChildProcess,
  ) {
    this.gpioRoot = join(mountpoint, 'gpio');
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(chips: readonly SimChip[] = PI5_CHIPS): Promise<SysfsGpioSim> {
    const binary = buildSysfsGpioSim();
    const dir = makeTempDir('kiosk-gpio-sim-');
    const mountpoint = dir.file('mnt');
    mkdirSync(mountpoint);
    const args = chips.flatMap((chip) => ['--chip', `${chip.name},${chip.label},${chip.base},${chip.ngpio}`]);
    const child = spawn(binary, [...args, mountpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sim = new SysfsGpioSim(dir, mountpoint, child);
    try {
      await waitFor(() => sim.output.includes('ready\n') || child.exitCode !== null, { timeoutMs: 10_000, description: 'sysfs-gpio-sim mounted' });
      if (!sim.output.includes('ready\n')) throw new Error(`sysfs-gpio-sim exited (${child.exitCode}): ${sim.output}`);
    } catch (error) {
      await sim.stop();
      throw error;
    }
    return sim;
  }

  /** The outside world drives pin `number` (a sysfs number) high or low. */
  async setLevel(number: number, level: boolean): Promise<void> {
    await writeFile(join(this.mountpoint, 'sim', 'pin', String(number)), level ? '1' : '0');
  }

  /** The electrical level at pin `number`: what an output drives, else what the outside world drives. */
  async level(number: number): Promise<boolean> {
    return (await readFile(join(this.mountpoint, 'sim', 'pin', String(number)), 'utf8')).trim() === '1';
  }

  exported(number: number): boolean {
    return existsSync(join(this.gpioRoot, `gpio${number}`));
  }

  /** A sysfs attribute of an exported line, trimmed: direction, value, edge, active_low. */
  async attribute(number: number, name: 'direction' | 'value' | 'edge' | 'active_low'): Promise<string> {
    return (await readFile(join(this.gpioRoot, `gpio${number}`, name), 'utf8')).trim();
  }

  /** From now on, writes to gpio<number>/<attribute> fail with EIO (a pin controller that refuses). */
  async failWrites(number: number, attribute: 'direction' | 'value' | 'edge' | 'active_low'): Promise<void> {
    await writeFile(join(this.mountpoint, 'sim', 'fail'), `${number} ${attribute}`);
  }

  /** Every sysfs write the simulator accepted and every driven level change, oldest first. */
  async log(): Promise<string[]> {
    return (await readFile(join(this.mountpoint, 'sim', 'log'), 'utf8')).split('\n').filter(Boolean);
  }

  /** Unmounts (SIGTERM), waits for the exit, and removes the temp dir. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
    // auto_unmount (fusermount3) unmounts even after a crash; never recurse into a live mount.
    await waitFor(() => !mounted(this.mountpoint), { timeoutMs: 5000, description: `${this.mountpoint} unmounted` });
    this.dir.remove();
  }

  private record(chunk: Buffer): void {
    if (this.output.length < 16_384) this.output += chunk.toString();
  }
}
