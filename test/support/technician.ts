import { randomBytes } from 'node:crypto';
import { LineEditor } from '../../src/console/line-editor.js';
import { SerialPortLink } from '../../src/hardware/serial/serial-port-link.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { waitFor } from './wait-for.js';

/**
 * Long enough for a loaded 2-core machine (several suites and kiosk processes
 * at once), short enough that a console that never answers fails the test.
 * Every wait is on a condition, so a fast machine never waits this long.
 */
export const CONSOLE_TIMEOUT_MS = 30_000;

/** The shell's prompt (`<deviceId> [locked]> ` or `<deviceId> [<technician>]# `) at the very end of the screen, on a line of its own. */
export const PROMPT = /(?:^|\n)\S+ \[[^\]\s]+\][>#] $/;

/** How a terminal ends a line: CR (most serial terminals), LF (a pipe, some terminals) or CRLF (Windows terminals). */
export type LineEnd = '\r' | '\n' | '\r\n';

export interface TechnicianOptions {
  /** console.maxLineBytes of the kiosk: needed to know what the kiosk echoes for an overlong line. */
  maxLineBytes?: number;
  timeoutMs?: number;
}

/**
 * The technician's laptop on the far end of a real PTY: types bytes and reads
 * the screen. `expect` waits for text that appears after the last mark, so a
 * session reads top to bottom like a transcript.
 *
 * Synchronisation, so that a slow machine cannot shift output between steps:
 * - `connect()` opens the terminal and then `sync()`s: whatever the kiosk
 *   printed before (its banner and prompt, which arrive or not depending on
 *   when each end was opened) is behind the mark afterwards.
 * - `run()` waits for the kiosk's echo of the typed line before it looks for
 *   the prompt, so a prompt still in flight from an earlier step is never
 *   taken for the prompt that ends this command.
 * The kiosk's end of the PTY must be open before connect(): bytes typed at a
 * closed end are lost (a process test waits for the kiosk's "serial port open").
 */
export class Technician {
  private screen = '';
  private mark = 0;
  private readonly link: SerialPortLink;
  private readonly maxLineBytes: number;
  readonly timeoutMs: number;

  constructor(path: string, options: TechnicianOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 1024;
    this.timeoutMs = options.timeoutMs ?? CONSOLE_TIMEOUT_MS;
    this.link = new SerialPortLink({ path, baudRate: 115_200, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger: createSilentLogger() });
    this.link.on('data', (chunk) => {
      this.screen += chunk.toString('utf8');
    });
  }

  /** Opens the terminal and syncs with the console (see sync()). */
  async connect(options: { sync?: boolean } = {}): Promise<void> {
    await this.link.start();
    await waitFor(() => this.link.isOpen, { description: 'technician end open', timeoutMs: this.timeoutMs });
    if (options.sync ?? true) await this.sync();
  }

  /**
   * Types a marker nobody else would print and cancels it with Ctrl-C, then waits
   * for its echo and the prompt after it. The console processes input in order,
   * so everything it printed before is behind the mark afterwards. Nothing runs
   * and nothing is audited. Only while no command runs (Ctrl-C would cancel it).
   */
  async sync(): Promise<void> {
    const marker = `sync-${randomBytes(6).toString('hex')}`;
    this.mark = this.screen.length;
    await this.type(`${marker}\x03`);
    await this.expect(`${marker}^C\r\n`);
    await this.expect(PROMPT);
  }

  /** Everything shown since the session began. */
  get transcript(): string {
    return this.screen;
  }

  /** Everything shown after the mark (what the next expect() searches). */
  get pending(): string {
    return this.screen.slice(this.mark);
  }

  async type(text: string | Buffer): Promise<void> {
    await this.link.write(text);
  }

  /**
   * Types a line and waits first for the console's echo of it, then for the
   * prompt that follows its output. Returns the echo, the output and the prompt.
   */
  async run(line: string, prompt: RegExp = PROMPT, options: { end?: LineEnd; timeoutMs?: number } = {}): Promise<string> {
    const end = options.end ?? '\r';
    this.mark = this.screen.length;
    const from = this.mark;
    await this.type(`${line}${end}`);
    await this.expectEcho(line, end, options.timeoutMs);
    await this.expect(prompt, options.timeoutMs);
    return this.screen.slice(from, this.mark);
  }

  /**
   * Types a line (Enter included) and waits for its echo, without waiting for
   * the prompt: for a command that asks something or runs on. Later expects see
   * only what the command prints.
   */
  async enter(line: string, options: { end?: LineEnd; timeoutMs?: number } = {}): Promise<void> {
    const end = options.end ?? '\r';
    this.mark = this.screen.length;
    await this.type(`${line}${end}`);
    await this.expectEcho(line, end, options.timeoutMs);
  }

  /**
   * Waits for the console's echo of a typed line. It is what the console's line
   * editor echoes for these bytes (backspaces, Ctrl-U and a refused overlong line
   * included), or, for a line typed while a command was still running, the line
   * itself, which the console shows when it runs it.
   */
  private async expectEcho(line: string, end: LineEnd, timeoutMs?: number): Promise<void> {
    const { echo, events } = new LineEditor({ maxLineBytes: this.maxLineBytes }).feed(Buffer.from(`${line}${end}`));
    const typed = events.find((event) => event.type === 'line');
    const candidates = [echo, ...(typed?.type === 'line' ? [`${typed.text}\r\n`] : [])];
    const from = this.mark;
    const end_ = await waitFor(
      () => {
        const rest = this.screen.slice(from);
        const found = candidates.map((candidate) => ({ at: rest.indexOf(candidate), length: candidate.length })).filter((hit) => hit.at >= 0);
        if (found.length === 0) return undefined;
        const first = found.reduce((a, b) => (b.at < a.at ? b : a));
        return from + first.at + first.length;
      },
      { timeoutMs: timeoutMs ?? this.timeoutMs, description: `the echo of ${JSON.stringify(line.slice(0, 80))} on the console` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; screen after mark: ${JSON.stringify(this.screen.slice(from).slice(-400))}`);
    });
    this.mark = end_;
  }

  /** Waits for `pattern` after the mark, moves the mark past it, and returns the text up to and including it. */
  async expect(pattern: string | RegExp, timeoutMs = this.timeoutMs): Promise<string> {
    const from = this.mark;
    const found = await waitFor(
      () => {
        const rest = this.screen.slice(from);
        if (typeof pattern === 'string') {
          const at = rest.indexOf(pattern);
          return at >= 0 ? rest.slice(0, at + pattern.length) : undefined;
        }
        const match = pattern.exec(rest);
        return match ? rest.slice(0, match.index + match[0].length) : undefined;
      },
      { timeoutMs, description: `${String(pattern)} on the console` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; screen after mark: ${JSON.stringify(this.screen.slice(from).slice(-400))}`);
    });
    this.mark = from + found.length;
    return found;
  }

  /**
   * Moves the mark to the end of the screen: later expects see only what comes
   * next. Only safe when nothing is still on its way (use expect() for that).
   */
  skip(): void {
    this.mark = this.screen.length;
  }

  /**
   * Logs in by challenge-response: `answer` gets the challenge line and returns
   * the response (computed here, or by the technician tool as a process).
   */
  async login(technician: string, answer: (challenge: string) => string | Promise<string>): Promise<void> {
    this.mark = this.screen.length;
    await this.type(`login ${technician}\r`);
    const challenge = (await this.expect(/kiosk-tech\/1 challenge \S+ \S+ [0-9a-f]{32}/)).split('\n').at(-1) ?? '';
    await this.expect('response: ');
    await this.type(`${await answer(challenge.slice(challenge.indexOf('kiosk-tech/1')))}\r`);
    await this.expect(`[${technician}]# `);
  }

  async disconnect(): Promise<void> {
    await this.link.close();
  }
}
