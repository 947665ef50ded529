import { spawn, type ChildProcess } from 'node:child_process';
import { runtimeEntry } from './paths.js';
import { waitFor } from './wait-for.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The compiled runtime as a child process, with its JSON log lines parsed as they arrive. */
export class KioskProcess {
  readonly logs: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private partial = '';

  constructor(configFile: string, extraArgs: string[] = []) {
    this.child = spawn(process.execPath, [runtimeEntry, '--config', configFile, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onStdout(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ level: 30, msg: line });
      }
    }
  }

  waitForLog(msg: string, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(() => this.logs.find((line) => line.msg === msg), {
      timeoutMs,
      description: `log "${msg}" (stderr: ${this.stderr.slice(-500)})`,
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Ends the process whatever state it is in; for afterEach. */
  async dispose(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}
