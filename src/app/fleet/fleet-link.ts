/**
 * The backend → kiosk half of the fleet link, wired: the fleet keyring, the
 * command service with its handler table, and the config shadow. Built by
 * Kiosk; started before the uplink so the first connection's retained
 * desired config is not missed, stopped before the uplink so the last results
 * still go out.
 */
import type { Database } from 'better-sqlite3';
import type { Clock } from '../../ops/clock.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import type { Logger } from '../../ops/logger.js';
import type { SettingsStore } from '../../store/settings-store.js';
import { CommandResultStore } from '../../sync/commands/command-result-store.js';
import { CommandService } from '../../sync/commands/command-service.js';
import { FleetKeyring } from '../../sync/commands/fleet-keyring.js';
import { ShadowService } from '../../sync/shadow/shadow-service.js';
import type { Uplink } from '../../sync/uplink.js';
import { fleetCommandHandlers, type FleetCommandParts } from './fleet-command-handlers.js';
import { FleetConfigTarget } from './fleet-config-target.js';

export interface FleetLinkParts extends Pick<FleetCommandParts, 'gpio' | 'camera' | 'flow' | 'kiosk'> {
  config: DeviceConfig;
  configFile: string | undefined;
  clock: Clock;
  logger: Logger;
  db: Database;
  settings: SettingsStore;
  uplink: Uplink;
}

export class FleetLink {
  readonly keyring: FleetKeyring;
  readonly commands: CommandService;
  readonly shadow: ShadowService;

  constructor(parts: FleetLinkParts) {
    const { config, clock, uplink, settings } = parts;
    const deviceId = config.device.id;
    // A key that is not Ed25519, or a kid twice, stops the start here (exit 78).
    this.keyring = new FleetKeyring(config.fleet.keys);
    const target = new FleetConfigTarget({ config, configFile: parts.configFile, requestRestart: (reason) => parts.kiosk.requestRestart(reason) });
    this.shadow = new ShadowService({
      uplink,
      deviceId,
      keyring: this.keyring,
      settings,
      target,
      clock,
      logger: parts.logger.child({ component: 'shadow' }),
      commands: { finish: (commandId, outcome) => this.commands.finish(commandId, outcome) },
    });
    this.commands = new CommandService({
      uplink,
      deviceId,
      keyring: this.keyring,
      results: new CommandResultStore(parts.db),
      clock,
      logger: parts.logger.child({ component: 'commands' }),
      handlers: fleetCommandHandlers({ ...parts, shadow: this.shadow, logger: parts.logger.child({ component: 'commands' }) }),
    });
  }

  start(): void {
    this.shadow.start();
    this.commands.start();
  }

  async stop(): Promise<void> {
    await this.commands.stop();
    this.shadow.stop();
  }

  /** main.ts's apply supervisor kept a config on probation: the shadow reports it and finishes its command. */
  configApplyConfirmed(): void {
    this.shadow.settle();
  }
}
