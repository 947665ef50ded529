import type { ConsoleCommand } from '../command.js';
import { barcodeCommand } from './barcode.js';
import { brokerCommand } from './broker.js';
import { cameraCommand } from './camera.js';
import { configCommand } from './config.js';
import { factoryResetCommand } from './factory-reset.js';
import { gpioCommand } from './gpio.js';
import { helpCommand } from './help.js';
import { identityCommand } from './identity.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { logsCommand } from './logs.js';
import { modelCommand } from './model.js';
import { netCommand } from './net.js';
import { queueCommand } from './queue.js';
import { restartCommand } from './restart.js';
import { scaleCommand } from './scale.js';
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
  scaleCommand, barcodeCommand, cameraCommand, gpioCommand, modelCommand, // DEVICES
  configCommand, brokerCommand, netCommand, factoryResetCommand, // SETTINGS
];
