import { Command, CommanderError } from 'commander';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { CommandContext, ConsoleCommand } from './command.js';

/**
 * A fresh commander program for one run of a console command, configured the
 * same way for every command: no process.exit, no writes to stdout (help text
 * goes to `capture`), `--json` accepted, suggestions for typos.
 */
export function buildProgram(command: ConsoleCommand, ctx: CommandContext, capture: (text: string) => void): Command {
  const program = new Command(command.name)
    .description(command.summary)
    .exitOverride()
    // outputError is silenced: the shell prints the thrown CommanderError as its one-line error.
    .configureOutput({ writeOut: capture, writeErr: capture, outputError: () => undefined, getOutHelpWidth: () => 78, getErrHelpWidth: () => 78 })
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .option('--json', 'print one JSON object (for scripts)');
  command.define(program, ctx);
  return program;
}

/** commander reports help output as an "error" it throws; these codes mean "help was shown", not failure. */
export function isHelpShown(error: unknown): boolean {
  return error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version');
}

/** A commander parse error as the console's usage error, on one line. */
export function usageError(error: unknown): KioskError | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return new KioskError(ErrorCode.ConsoleUsage, message, { commander: error.code });
}

/** Usage text of a command (or one of its subcommands), from its commander declaration. */
export function usageOf(command: ConsoleCommand, ctx: CommandContext, subcommand?: string): string | undefined {
  const program = buildProgram(command, ctx, () => undefined);
  if (subcommand === undefined) return program.helpInformation();
  return program.commands.find((sub) => sub.name() === subcommand || sub.aliases().includes(subcommand))?.helpInformation();
}
