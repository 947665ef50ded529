import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTestKiosk, type TestKioskFiles } from '../support/kiosk-config.js';
import { projectRoot, runtimeEntry } from '../support/paths.js';
import { CONSOLE_TIMEOUT_MS } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { PROCESS_START_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from './console-process.js';

const DEVICE_ID = 'kiosk-stdio-0001';

/**
 * A child in its own process group, with its stdin as the technician's keyboard
 * and its stdout as the screen. The group is signalled as a whole, so a shell
 * and the kiosk it started stop together.
 */
class StdioConsole {
  screen = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;

  constructor(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NODE_ENV: 'test', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.screen += chunk.toString('utf8');
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until the screen holds `count` prompts of the locked console; fails at once if the process ends first. */
  async prompts(count: number, timeoutMs = CONSOLE_TIMEOUT_MS): Promise<string> {
    const enough = (): boolean => this.screen.split(`${DEVICE_ID} [locked]> `).length > count;
    const ended = (): boolean => this.child.exitCode !== null || this.child.signalCode !== null;
    await waitFor(() => enough() || ended(), { timeoutMs, description: `${count} console prompt(s) on stdout` }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message} (stdout: ${JSON.stringify(this.screen.slice(-300))}, stderr: ${this.stderr.slice(-300)})`);
    });
    if (!enough()) throw new Error(`the process ended (${this.child.exitCode ?? this.child.signalCode}) before ${count} prompt(s); stdout: ${JSON.stringify(this.screen.slice(-300))}, stderr: ${this.stderr.slice(-300)}`);
    return this.screen;
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /** True while any process of the group is alive. */
  groupAlive(): boolean {
    try {
      process.kill(-(this.child.pid ?? 0), 0);
      return true;
    } catch {
      return false;
    }
  }

  async signalGroup(signal: NodeJS.Signals): Promise<void> {
    if (this.groupAlive()) process.kill(-(this.child.pid ?? 0), signal);
    await waitFor(() => !this.groupAlive(), { description: `the process group gone after ${signal}`, timeoutMs: PROCESS_START_TIMEOUT_MS });
  }

  async dispose(): Promise<void> {
    await this.signalGroup('SIGKILL');
    await this.exited;
  }
}

/**
 * `npm run console`: the compiled runtime with --console-stdio, the console on
 * stdin/stdout (a pipe here, so the console does not echo) and the logs on stderr.
 */
describe('the console on stdin/stdout (npm run console)', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let dir: TempDir;
  let files: TestKioskFiles;
  let running: StdioConsole | undefined;

  beforeEach(() => {
    dir = makeTempDir();
    files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      deviceId: DEVICE_ID,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 20 }] },
    });
  });
  afterEach(async () => {
    await running?.dispose();
    running = undefined;
    dir.remove();
  });

  it('dist/main.js --console-stdio answers help on stdout, keeps the logs on stderr, and stops cleanly on SIGTERM', async () => {
    running = new StdioConsole(process.execPath, [runtimeEntry, '--config', files.configFile, '--console-stdio']);
    const greeting = await running.prompts(1, PROCESS_START_TIMEOUT_MS);
    expect(greeting).toMatch(new RegExp(`^\\r\\nkiosk-runtime \\S+ console on ${DEVICE_ID}\\. Type "help"\\.\\r\\n${DEVICE_ID} \\[locked\\]> $`));

    running.type('help\n');
    const help = (await running.prompts(2)).slice(greeting.length);
    // From a pipe the console does not echo: the screen is the answer only.
    expect(help).toMatch(/^ {2}help {11}list commands/);
    for (const name of ['login', 'status', 'identity', 'broker', 'scale', 'sync', 'config', 'factory-reset']) expect(help).toMatch(new RegExp(`\\r\\n {2}${name} +\\S`));
    expect(help.endsWith(`Type "help <command>" for its usage; add --json to any command for one JSON object.\r\n${DEVICE_ID} [locked]> `)).toBe(true);

    running.type('status --json\n');
    const denied = (await running.prompts(3)).slice(greeting.length + help.length);
    expect(JSON.parse(denied.split('\r\n')[0] ?? '')).toMatchObject({ ok: false, command: 'status', error: { code: 502 } });

    // stdout is the console only; the kiosk's JSON logs went to stderr.
    expect(running.screen.split('\r\n').filter((line) => line.startsWith('{"level"'))).toEqual([]);
    expect(running.stderr).toContain('"msg":"kiosk started"');
    expect(running.stderr).toContain('"msg":"console started"');

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.stderr).toContain('"msg":"stopped"');
  });

  it('the package.json "console" line works in a fresh checkout, where data/ does not exist yet', async () => {
    const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const line = scripts.console ?? '';
    // The build step is the global setup's job here (it builds dist/ once for every suite); the rest runs as written.
    const [build, ...rest] = line.split(' && ');
    expect(build).toBe('tsc -p tsconfig.build.json');
    const checkout = makeTempDir('kiosk-checkout-');
    try {
      symlinkSync(join(projectRoot, 'dist'), checkout.file('dist'));
      expect(existsSync(checkout.file('data'))).toBe(false);
      running = new StdioConsole('sh', ['-c', rest.join(' && ')], { cwd: checkout.path, env: { KIOSK_CONFIG: files.configFile } });
      await running.prompts(1, PROCESS_START_TIMEOUT_MS);
      running.type('help\n');
      expect(await running.prompts(2)).toContain('  login          log in');
      // The logs went to the file the script names, in the directory it made.
      await waitFor(() => existsSync(checkout.file('data/console-kiosk.log')) && readFileSync(checkout.file('data/console-kiosk.log'), 'utf8').includes('"msg":"kiosk started"'), {
        description: 'the kiosk log in data/console-kiosk.log',
        timeoutMs: CONSOLE_TIMEOUT_MS,
      });
      expect(running.stderr).toBe('');
      // SIGTERM to the group reaches the kiosk whether sh ran it as a child or exec'd it; it stops cleanly.
      await running.signalGroup('SIGTERM');
      const log = readFileSync(checkout.file('data/console-kiosk.log'), 'utf8');
      expect(log.trimEnd().split('\n').at(-1)).toContain('"msg":"stopped"');
    } finally {
      checkout.remove();
    }
  });
});
