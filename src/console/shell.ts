/**
 * One technician console session over one byte stream.
 *
 *   terminal bytes ──input()──► LineEditor ──lines──► tokenize ──► CommandRegistry ──► command (commander)
 *   terminal ◄──write()── echo, prompts, results (text or one JSON object), `error: [E5xx] ...` lines
 *
 * Everything is asynchronous: a command runs while bytes keep arriving, so
 * Ctrl-C can cancel it, and nothing here ever blocks the deposit flow. Lines
 * typed while a command runs are kept (up to TYPEAHEAD_MAX) and run after it.
 * Every command, refused or run, is reported to the audit.
 */
import type { Clock } from '../ops/clock.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { ConsoleCommandPayload } from '../protocol/events.js';
import type { ConsoleAudit } from './audit.js';
import type { ConsoleAuth, TechnicianLogin } from './auth.js';
import type { CommandContext, ConsoleCommand, JsonObject } from './command.js';
import type { KioskFacade } from './kiosk-facade.js';
import { LineEditor, type EchoMode, type EditorEvent } from './line-editor.js';
import { asKioskError, errorLine, formatDuration, jsonError, jsonResult, renderData, toTerminal } from './output.js';
import { buildProgram, isHelpShown, usageError, usageOf } from './program.js';
import type { CommandRegistry } from './registry.js';
import { tokenize } from './tokenize.js';

/** Lines kept while a command runs: enough for a PEM chain pasted in one go (each line is at most maxLineBytes). */
const TYPEAHEAD_MAX = 200;
const DEFAULT_BLOCK_MAX_BYTES = 64 * 1024;

export interface ShellOptions {
  deviceId: string;
  /** Where the session runs, for the audit: "serial:/dev/ttyGS0" or "stdio". */
  transport: string;
  registry: CommandRegistry;
  kiosk: KioskFacade;
  auth: ConsoleAuth;
  audit: ConsoleAudit;
  clock: Clock;
  logger: Logger;
  idleLogoutMs: number;
  maxLineBytes: number;
  /** False when the far end shows what it types itself (a pipe): typed characters are not sent back. */
  echo: boolean;
  /** Sends text to the terminal; must not throw. */
  write(text: string): void;
  /** First line shown when a terminal connects. */
  banner: string;
}

interface PendingPrompt {
  onLine(text: string): void;
  fail(error: KioskError): void;
}

/** One running command. `done` turns its late output into nothing once it finished or was cancelled. */
interface Invocation {
  command: ConsoleCommand | undefined;
  json: boolean;
  abort: AbortController;
  done: boolean;
  data: JsonObject | undefined;
  text: string | readonly string[] | undefined;
  detail: string | null;
  prompt: PendingPrompt | undefined;
}

type Outcome = ConsoleCommandPayload['outcome'];

export class ConsoleShell {
  private readonly editor: LineEditor;
  private technician: string | null = null;
  private running: Invocation | undefined;
  private typeahead: string[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(private readonly options: ShellOptions) {
    this.editor = new LineEditor({ maxLineBytes: options.maxLineBytes });
  }

  get loggedIn(): string | null {
    return this.technician;
  }

  get prompt(): string {
    return this.technician === null ? `${this.options.deviceId} [locked]> ` : `${this.options.deviceId} [${this.technician}]# `;
  }

  /** A terminal is there (port opened): greet it. */
  open(): void {
    this.ended = false;
    this.write(`\r\n${this.options.banner}\r\n`);
    this.showPrompt();
  }

  /** Bytes from the terminal. Never throws: a console bug must not take the kiosk down. */
  input(chunk: Buffer): void {
    if (this.ended) return;
    try {
      if (this.technician !== null) this.armIdleTimer();
      const { echo, events } = this.editor.feed(chunk);
      // Typeahead is not echoed while a command prints: it is shown when it runs (at the prompt), so output stays clean.
      const busy = this.running !== undefined && this.running.prompt === undefined;
      if (this.options.echo && echo && !busy) this.write(echo);
      else if (this.options.echo && busy && events.some((event) => event.type === 'cancel')) this.write('^C\r\n');
      for (const event of events) this.onEvent(event);
    } catch (error) {
      this.options.logger.error({ err: error }, 'console input handling failed');
    }
  }

  /** The terminal went away (cable pulled) or the kiosk stops: cancel, log out, forget the half-typed line. */
  end(reason: string): void {
    this.cancelRunning(reason);
    this.typeahead = [];
    this.editor.clear();
    if (this.technician !== null) this.logout(`(${reason})`);
    clearTimeout(this.idleTimer);
    this.ended = true;
  }

  private onEvent(event: EditorEvent): void {
    switch (event.type) {
      case 'line':
        return this.onLine(event.text);
      case 'cancel':
        this.typeahead = [];
        if (this.running) this.cancelRunning('cancelled');
        else this.showPrompt();
        return;
      case 'rejected':
        this.line(`error: ${event.message}`);
        return;
      case 'discarded':
        if (this.running?.prompt) this.running.prompt.fail(new KioskError(ErrorCode.ConsoleUsage, 'input line refused', {}));
        else if (!this.running) this.showPrompt();
        return;
    }
  }

  private onLine(text: string): void {
    const running = this.running;
    if (running?.prompt) {
      running.prompt.onLine(text);
    } else if (running) {
      if (this.typeahead.length < TYPEAHEAD_MAX) this.typeahead.push(text);
      else this.line('error: busy; line dropped (Ctrl-C cancels the running command)');
    } else {
      void this.execute(text);
    }
  }

  private async execute(text: string): Promise<void> {
    const started = this.options.clock.uptimeMs();
    // Who typed it, for the audit: a logout (or an idle logout meanwhile) must not make it anonymous.
    const typedBy = this.technician;
    const tokens = tokenize(text);
    if (!tokens.ok) {
      this.finish(undefined, [], false, new KioskError(ErrorCode.ConsoleUsage, tokens.error, {}), started, typedBy);
      return;
    }
    const [name, ...args] = tokens.words;
    if (name === undefined) {
      this.showPrompt();
      return;
    }
    // --json is decided before parsing so that even a usage error comes back as JSON.
    const json = args.includes('--json');
    const command = this.options.registry.get(name);
    if (!command) {
      this.finish(undefined, args, json, new KioskError(ErrorCode.ConsoleUsage, `unknown command "${name.slice(0, 40)}"; type "help"`, {}), started, typedBy);
      return;
    }
    if (command.requiresLogin && this.technician === null) {
      this.finish(command, args, json, new KioskError(ErrorCode.ConsoleLoginRequired, `"${command.name}" needs a technician login; type "login"`, {}), started, typedBy);
      return;
    }
    const invocation: Invocation = { command, json, abort: new AbortController(), done: false, data: undefined, text: undefined, detail: null, prompt: undefined };
    this.running = invocation;
    const captured: string[] = [];
    let failure: KioskError | undefined;
    try {
      const program = buildProgram(command, this.context(invocation), (help) => captured.push(help));
      const run = program.parseAsync(args, { from: 'user' });
      // After a cancel the command may still settle later; that must not become an unhandled rejection.
      run.catch(() => undefined);
      await Promise.race([run, abortedPromise(invocation.abort.signal)]);
    } catch (error) {
      if (isHelpShown(error) && !invocation.abort.signal.aborted) {
        invocation.data = { help: captured.join('') };
        invocation.text = captured.join('').trimEnd();
      } else {
        failure = usageError(error) ?? asKioskError(error);
      }
    }
    this.finish(command, args, json, failure, started, typedBy, invocation);
  }

  /** Prints the outcome, audits it, and gets the shell ready for the next line. */
  private finish(
    command: ConsoleCommand | undefined,
    args: string[],
    json: boolean,
    failure: KioskError | undefined,
    started: number,
    typedBy: string | null,
    invocation?: Invocation,
  ): void {
    if (invocation) {
      invocation.done = true;
      invocation.prompt = undefined;
      this.editor.setEcho('on');
    }
    const name = command?.name ?? '(unknown)';
    if (failure) {
      this.line(json ? jsonError(name, failure) : errorLine(failure));
    } else if (json) {
      this.line(jsonResult(name, invocation?.data ?? {}));
    } else if (invocation?.text !== undefined || invocation?.data !== undefined) {
      const text = invocation.text ?? renderData(invocation.data ?? {});
      this.line(typeof text === 'string' ? text : text.join('\n'));
    }
    this.options.audit.record({
      command: name,
      // A word that is no command may be a secret typed at the wrong prompt: it and its arguments are not kept.
      args: command ? (command.auditArgs?.(args) ?? args) : [],
      outcome: outcomeOf(failure),
      errorCode: failure?.code ?? null,
      // After a login the new technician; after a logout the one who typed it.
      technician: this.technician ?? typedBy,
      transport: this.options.transport,
      durationMs: Math.max(0, Math.round(this.options.clock.uptimeMs() - started)),
      detail: invocation?.detail ?? null,
    });
    if (this.running === invocation) this.running = undefined;
    if (this.ended) return;
    this.showPrompt();
    const next = this.typeahead.shift();
    if (next !== undefined) {
      this.line(next);
      void this.execute(next);
    }
  }

  private context(invocation: Invocation): CommandContext {
    const { registry } = this.options;
    const context: CommandContext = {
      kiosk: this.options.kiosk,
      json: invocation.json,
      signal: invocation.abort.signal,
      auth: this.options.auth,
      session: {
        technician: this.technician,
        login: (login) => this.login(login),
        logout: () => this.logout(),
      },
      commands: {
        list: () => registry.list(),
        usage: (name, subcommand) => {
          const command = registry.get(name);
          return command ? usageOf(command, context, subcommand) : undefined;
        },
      },
      print: (text) => {
        if (!invocation.done && !invocation.json) this.line(text);
      },
      result: (data, text) => {
        invocation.data = data;
        invocation.text = text;
      },
      auditDetail: (text) => {
        invocation.detail = text.slice(0, 500);
      },
      ask: (prompt) => this.ask(invocation, prompt, 'on'),
      askSecret: (prompt, echo = 'mask') => this.ask(invocation, prompt, echo),
      readBlock: (prompt, terminator, options) => this.readBlock(invocation, prompt, terminator, options),
    };
    // session.technician must read the live value, not the value at creation.
    Object.defineProperty(context.session, 'technician', { get: () => this.technician });
    return context;
  }

  private ask(invocation: Invocation, prompt: string, echo: EchoMode): Promise<string> {
    if (invocation.done || invocation.abort.signal.aborted) return Promise.reject(new KioskError(ErrorCode.ConsoleCancelled, 'cancelled', {}));
    const queued = this.typeahead.shift();
    if (queued !== undefined) {
      // Typed (or pasted) before the prompt appeared: it answers the prompt.
      this.write(toTerminal(prompt));
      this.line(echo === 'on' ? queued : echo === 'mask' ? '*'.repeat([...queued].length) : '');
      return Promise.resolve(queued);
    }
    return new Promise((resolve, reject) => {
      this.editor.setEcho(echo);
      this.write(toTerminal(prompt));
      invocation.prompt = {
        onLine: (text) => {
          invocation.prompt = undefined;
          this.editor.setEcho('on');
          resolve(text);
        },
        fail: (error) => {
          invocation.prompt = undefined;
          this.editor.setEcho('on');
          reject(error);
        },
      };
    });
  }

  private async readBlock(invocation: Invocation, prompt: string, terminator: string, options: { maxBytes?: number; secret?: boolean } = {}): Promise<string> {
    const maxBytes = options.maxBytes ?? DEFAULT_BLOCK_MAX_BYTES;
    const lines: string[] = [];
    let bytes = 0;
    let ask = prompt;
    for (;;) {
      const line = await this.ask(invocation, ask, options.secret ? 'off' : 'on');
      ask = '';
      bytes += Buffer.byteLength(line) + 1;
      if (bytes > maxBytes) throw new KioskError(ErrorCode.ConsoleUsage, `pasted block larger than ${maxBytes} bytes`, { maxBytes });
      lines.push(line);
      if (line.trim() === terminator) return `${lines.join('\n')}\n`;
    }
  }

  private cancelRunning(reason: string): void {
    const invocation = this.running;
    if (!invocation || invocation.done) return;
    invocation.abort.abort(new KioskError(ErrorCode.ConsoleCancelled, reason, {}));
    invocation.prompt?.fail(new KioskError(ErrorCode.ConsoleCancelled, reason, {}));
  }

  private login(login: TechnicianLogin): void {
    this.technician = login.technician;
    this.armIdleTimer();
  }

  /** `note` marks a logout the technician did not type (idle, link lost); it is audited as a logout command. */
  private logout(note?: string): void {
    const technician = this.technician;
    if (technician === null) return;
    this.technician = null;
    clearTimeout(this.idleTimer);
    this.options.logger.info({ technician, reason: note ?? 'logout' }, 'console logout');
    if (note !== undefined) {
      this.options.audit.record({
        command: 'logout',
        args: [note],
        outcome: 'ok',
        errorCode: null,
        technician,
        transport: this.options.transport,
        durationMs: 0,
        detail: null,
      });
    }
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.idleLogout(), this.options.idleLogoutMs);
    this.idleTimer.unref();
  }

  private idleLogout(): void {
    if (this.technician === null || this.ended) return;
    this.cancelRunning('idle logout');
    this.logout('(idle)');
    this.editor.clear();
    this.notice(`logged out: idle for ${formatDuration(this.options.idleLogoutMs)}`);
  }

  /** A message that arrives on its own (not as a command's output): on a fresh line, then the prompt and what was typed. */
  private notice(text: string): void {
    this.write(`\r\n${toTerminal(text)}\r\n`);
    if (!this.running) this.write(this.prompt + this.editor.display());
  }

  private showPrompt(): void {
    this.write(this.prompt);
  }

  private line(text: string): void {
    this.write(`${toTerminal(text)}\r\n`);
  }

  private write(text: string): void {
    this.options.write(text);
  }
}

function outcomeOf(failure: KioskError | undefined): Outcome {
  if (!failure) return 'ok';
  if (failure.code === ErrorCode.ConsoleCancelled) return 'cancelled';
  if (failure.code === ErrorCode.ConsoleLoginRequired || failure.code === ErrorCode.ConsoleAuthFailed || failure.code === ErrorCode.ConsoleLockedOut) return 'denied';
  return 'error';
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(signal.reason instanceof KioskError ? signal.reason : new KioskError(ErrorCode.ConsoleCancelled, 'cancelled', {}));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
