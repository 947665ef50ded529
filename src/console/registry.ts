import type { CommandInfo, ConsoleCommand } from './command.js';

/** The commands a shell knows, by name. Names are unique; `help` lists them in registration order. */
export class CommandRegistry {
  private readonly commands = new Map<string, ConsoleCommand>();

  constructor(commands: readonly ConsoleCommand[] = []) {
    for (const command of commands) this.add(command);
  }

  add(command: ConsoleCommand): this {
    if (!/^[a-z][a-z0-9-]*$/.test(command.name)) throw new Error(`console command name "${command.name}" must be lowercase letters, digits or "-"`);
    if (this.commands.has(command.name)) throw new Error(`console command "${command.name}" is registered twice`);
    this.commands.set(command.name, command);
    return this;
  }

  get(name: string): ConsoleCommand | undefined {
    return this.commands.get(name.toLowerCase());
  }

  list(): CommandInfo[] {
    return [...this.commands.values()].map(({ name, summary, requiresLogin }) => ({ name, summary, requiresLogin }));
  }
}
