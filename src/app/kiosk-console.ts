import { eventStoreAudit } from '../console/audit.js';
import { TechnicianAuth } from '../console/auth.js';
import { builtinCommands } from '../console/commands/index.js';
import { ConsoleService } from '../console/console-service.js';
import type { KioskFacade } from '../console/kiosk-facade.js';
import { CommandRegistry } from '../console/registry.js';
import { StdioLink } from '../console/stdio-link.js';
import type { ByteLink } from '../hardware/serial/byte-link.js';
import { SerialPortLink } from '../hardware/serial/serial-port-link.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import { RUNTIME_VERSION } from '../ops/version.js';
import type { EventStore } from '../store/event-store.js';
import type { SettingsStore } from '../store/settings-store.js';

export interface KioskConsoleOptions {
  config: DeviceConfig;
  clock: Clock;
  logger: Logger;
  facade: KioskFacade;
  store: EventStore;
  settings: SettingsStore;
  /** Also run the console on stdin/stdout (`--console-stdio`). */
  stdio?: { input: NodeJS.ReadStream; output: NodeJS.WritableStream } | undefined;
}

/**
 * Builds the console services device-config and the command line ask for: one
 * on console.port (serial) and/or one on stdio. They share one TechnicianAuth,
 * so failed logins on either count towards the same lockout.
 */
export function createKioskConsoles(options: KioskConsoleOptions): ConsoleService[] {
  const { config, clock, logger } = options;
  const log = logger.child({ component: 'console' });
  const settings = config.console;
  const auth = new TechnicianAuth({
    settings: options.settings,
    deviceId: config.device.id,
    clock,
    lockout: settings.lockout,
    challengeTtlMs: settings.challengeTtlMs,
    logger: log,
  });
  const registry = new CommandRegistry(builtinCommands);
  const audit = eventStoreAudit(options.store, log);
  const shell = {
    deviceId: config.device.id,
    registry,
    kiosk: options.facade,
    auth,
    audit,
    clock,
    logger: log,
    idleLogoutMs: settings.idleLogoutMs,
    maxLineBytes: settings.maxLineBytes,
    banner: `kiosk-runtime ${RUNTIME_VERSION} console on ${config.device.id}. Type "help".`,
  };
  const services: ConsoleService[] = [];
  const add = (link: ByteLink, transport: string, echo: boolean): void => {
    services.push(new ConsoleService({ link, transport, logger: log, shell: { ...shell, echo } }));
  };
  if (settings.port) {
    const { path, baudRate, reconnect } = settings.port;
    add(new SerialPortLink({ path, baudRate, reconnect, logger: log }), `serial:${path}`, true);
  }
  if (options.stdio) {
    const link = new StdioLink(options.stdio.input, options.stdio.output);
    add(link, 'stdio', link.isTerminal);
  }
  return services;
}
