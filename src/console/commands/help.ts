import { ErrorCode, KioskError } from '../../ops/errors.js';
import { defineCommand } from '../command.js';

export const helpCommand = defineCommand({
  name: 'help',
  summary: 'list commands, or show how to use one: help <command> [subcommand]',
  requiresLogin: false,
  define(program, ctx) {
    program
      .argument('[command]', 'command to explain')
      .argument('[subcommand]', 'one of its subcommands')
      .action((name: string | undefined, subcommand: string | undefined) => {
        if (name === undefined) {
          const commands = ctx.commands.list();
          const width = Math.max(...commands.map((command) => command.name.length));
          ctx.result(
            { commands: commands.map((command) => ({ ...command })) },
            [
              ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}${command.requiresLogin ? '' : '  (no login needed)'}`),
              'Type "help <command>" for its usage; add --json to any command for one JSON object.',
            ],
          );
          return;
        }
        const usage = ctx.commands.usage(name, subcommand);
        if (usage === undefined) {
          const what = subcommand === undefined ? `command "${name}"` : `subcommand "${name} ${subcommand}"`;
          throw new KioskError(ErrorCode.ConsoleUsage, `no ${what}; type "help" for the list`, {});
        }
        ctx.result({ usage }, usage.trimEnd());
      });
  },
});
