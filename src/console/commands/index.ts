import type { ConsoleCommand } from '../command.js';
import { helpCommand } from './help.js';
import { identityCommand } from './identity.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { logsCommand } from './logs.js';
import { queueCommand } from './queue.js';
import { restartCommand } from './restart.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';

/** Every console command, in the order `help` lists them. A new command: one file beside this one, one line here. */
export const builtinCommands: readonly ConsoleCommand[] = [
  helpCommand,
  loginCommand,
  logoutCommand,
  statusCommand,
  identityCommand,
  queueCommand,
  syncCommand,
  logsCommand,
  restartCommand,
];
