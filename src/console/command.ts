/**
 * The console's command API. A command is one small file in
 * src/console/commands/ exporting a ConsoleCommand, listed once in
 * commands/index.ts. See src/console/README.md for a worked example.
 *
 * Arguments, options and subcommands are declared with commander on a fresh
 * `Command` the shell builds for every invocation (so no state leaks between
 * runs); the shell has already configured it: errors become one-line
 * `error: [E501] ...` messages, `--json` and `--help` are accepted everywhere.
 */
import type { Command } from 'commander';
import type { ConsoleAuth, TechnicianLogin } from './auth.js';
import type { KioskFacade } from './kiosk-facade.js';

/** A JSON value a command can return under --json. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };
export type JsonObject = { [key: string]: JsonValue | undefined };

export interface CommandInfo {
  name: string;
  summary: string;
  requiresLogin: boolean;
}

export interface CommandContext {
  /** The kiosk, through its console facade. */
  readonly kiosk: KioskFacade;
  /** True when the technician typed --json: the shell prints exactly one JSON object for the command. */
  readonly json: boolean;
  /** Aborted on Ctrl-C, idle logout or a lost link; pass it to anything that waits. */
  readonly signal: AbortSignal;
  readonly session: {
    /** The logged-in technician, or null. */
    readonly technician: string | null;
    login(login: TechnicianLogin): void;
    logout(): void;
  };
  readonly auth: ConsoleAuth;
  /** The registered commands, for help. */
  readonly commands: {
    list(): CommandInfo[];
    /** The usage text of a command (and optionally one subcommand), or undefined when unknown. */
    usage(name: string, subcommand?: string): string | undefined;
  };
  /** Progress and streamed lines for a person; dropped under --json. */
  print(text: string): void;
  /**
   * The command's result: `data` is what --json prints (inside {"ok":true,"command":..,"data":..});
   * `text` is what a person sees (default: one "key: value" line per field). Call at most once.
   */
  result(data: JsonObject, text?: string | readonly string[]): void;
  /** Audit hook: a short note of what the command changed (never a secret), stored in the console.command event. */
  auditDetail(text: string): void;
  /** Asks one line with echo. Always shown, also under --json. Rejects on Ctrl-C. */
  ask(prompt: string): Promise<string>;
  /** Asks one line without echo ('mask' shows '*', 'off' nothing); the answer is never audited or logged. */
  askSecret(prompt: string, echo?: 'mask' | 'off'): Promise<string>;
  /**
   * Collects pasted lines until one equals `terminator` (e.g. "-----END CERTIFICATE-----"), terminator
   * included; for PEM. Bounded by maxBytes (default 64 KiB); each line is bounded like any console line.
   */
  readBlock(prompt: string, terminator: string, options?: { maxBytes?: number; secret?: boolean }): Promise<string>;
}

export interface ConsoleCommand {
  /** The first word typed, lowercase: "status", "queue". Subcommands ("queue stats") are commander subcommands. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** False only for commands a technician needs before logging in (help, login). */
  requiresLogin: boolean;
  /**
   * Declares arguments, options, subcommands and action(s) on `program`. Actions may be async;
   * they report through `ctx`. A subcommand with `{ isDefault: true }` runs when only the name is
   * typed: the Tasmota/ESPHome convention that a command without a value shows the current value.
   */
  define(program: Command, ctx: CommandContext): void;
  /**
   * The arguments as they go into the audit event. Default: as typed. Override when an argument
   * may be a secret (replace it with REDACTED from audit.ts).
   */
  auditArgs?(args: readonly string[]): string[];
}

/** Identity function that gives a command file its type checking in one place. */
export function defineCommand(command: ConsoleCommand): ConsoleCommand {
  return command;
}
