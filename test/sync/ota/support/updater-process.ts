import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../support/paths.js';
import { waitFor } from '../../../support/wait-for.js';
import type { ChildSpec } from './updater-child.js';

export type ChildLine = { event: string } & Record<string, unknown>;

const CHILD = join(import.meta.dirname, 'updater-child.ts');

/** updater-child.ts as a child process (through tsx), its JSON lines parsed as they arrive. */
export class UpdaterProcess {
  readonly lines: ChildLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private partial = '';
  private killPredicate: ((line: ChildLine) => boolean) | undefined;

  constructor(spec: ChildSpec) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OTA_CHILD: JSON.stringify(spec) },
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  line(predicate: (line: ChildLine) => boolean): ChildLine | undefined {
    return this.lines.find(predicate);
  }

  /** Resolves with the first matching line, or undefined once the process has ended without one. */
  waitForLine(predicate: (line: ChildLine) => boolean, timeoutMs = 30_000): Promise<ChildLine | 'exited'> {
    return waitFor(() => this.line(predicate) ?? (this.running ? undefined : 'exited'), { timeoutMs, intervalMs: 2, description: `a child line (stderr: ${this.stderr.slice(-400)})` });
  }

  /** SIGKILLs the process the moment a matching line arrives (no polling delay). */
  killWhen(predicate: (line: ChildLine) => boolean): void {
    this.killPredicate = predicate;
    if (this.lines.some(predicate)) this.kill('SIGKILL');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  async dispose(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  private onStdout(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let parsed: ChildLine;
      try {
        parsed = JSON.parse(line) as ChildLine;
      } catch {
        parsed = { event: 'text', text: line };
      }
      this.lines.push(parsed);
      if (this.killPredicate?.(parsed)) this.kill('SIGKILL');
    }
  }
}
