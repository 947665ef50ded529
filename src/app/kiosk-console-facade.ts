import type { ConsoleDeviceFacade } from '../console/device-facade.js';
import type { KioskFacade, KioskStatusSnapshot, QueueStats } from '../console/kiosk-facade.js';
import type { DepositFlow } from '../deposit/deposit-flow.js';
import type { Devices } from '../hardware/create-devices.js';
import type { Device } from '../hardware/device.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { LogRing } from '../ops/log-ring.js';
import { RUNTIME_VERSION } from '../ops/version.js';
import type { EventStore } from '../store/event-store.js';
import type { OutboxSync } from '../sync/outbox-sync.js';
import type { Uplink } from '../sync/uplink.js';
import type { Classifier } from '../vision/classifier.js';
import { KioskConsoleDeviceFacade, type ConsoleDeviceParts } from './console-device-facade.js';
import type { ConsoleSettingsFacade } from '../console/settings-facade.js';
import { KioskConsoleSettingsFacade, type ConsoleSettingsParts } from './console-settings-facade.js';

export interface KioskFacadeParts {
  config: DeviceConfig;
  clock: Clock;
  devices: Devices;
  classifier: Classifier;
  flow: DepositFlow;
  store: EventStore;
  uplink: Uplink;
  sync: OutboxSync;
  logRing: LogRing | undefined;
  onRestartRequested: (reason: string) => void;
  /** What only the device commands need beside the above (the settings table, a logger). */
  deviceParts: Pick<ConsoleDeviceParts, 'settings' | 'logger'>;
  /** What only the settings commands need beside the above (the live config file, the settings table, a logger). */
  settingsParts: Pick<ConsoleSettingsParts, 'configFile' | 'settings' | 'logger'>;
}

/** The console's view of the wired kiosk (src/console/kiosk-facade.ts), read live on every call. */
export class KioskConsoleFacade implements KioskFacade {
  readonly devices: ConsoleDeviceFacade;
  readonly settings: ConsoleSettingsFacade;

  constructor(private readonly parts: KioskFacadeParts) {
    this.devices = new KioskConsoleDeviceFacade({ ...parts, ...parts.deviceParts });
    this.settings = new KioskConsoleSettingsFacade({ ...parts, ...parts.settingsParts, requestRestart: (reason) => this.requestRestart(reason) });
  }

  identity(): { deviceId: string; stationId: string } {
    return { deviceId: this.parts.config.device.id, stationId: this.parts.config.device.stationId };
  }

  status(): KioskStatusSnapshot {
    const { config, clock, devices, classifier, flow, uplink } = this.parts;
    const named: Array<[string, Device]> = [
      ['scale', devices.scale],
      ['barcode', devices.scanner],
      ['camera', devices.camera],
      ['gpio', devices.gpio],
      ['classifier', classifier],
    ];
    return {
      identity: this.identity(),
      runtimeVersion: RUNTIME_VERSION,
      configVersion: config.configVersion,
      bootId: clock.bootId,
      uptimeMs: clock.uptimeMs(),
      devices: Object.fromEntries(named.map(([name, device]) => [name, device.health()])),
      depositState: flow.state,
      queue: this.queueStats(),
      broker: { url: withoutCredentials(config.broker.url), connected: uplink.isConnected },
      model: classifier.model,
    };
  }

  queueStats(): QueueStats {
    const stats = this.parts.store.stats();
    const oldest = stats.oldestUnsentTime === null ? null : Date.parse(stats.oldestUnsentTime);
    return {
      ...stats,
      oldestUnsentAgeMs: oldest === null || Number.isNaN(oldest) ? null : Math.max(0, this.parts.clock.wallNow().getTime() - oldest),
    };
  }

  recentLogs(count: number): string[] {
    return this.parts.logRing?.tail(count) ?? [];
  }

  syncNow(): { connected: boolean; unsent: number } {
    this.parts.sync.nudge();
    return { connected: this.parts.uplink.isConnected, unsent: this.parts.store.stats().unsent };
  }

  requestRestart(reason: string): void {
    // Deferred: the console first prints its answer and audits the command, then the kiosk stops.
    setImmediate(() => this.parts.onRestartRequested(reason));
  }

  config(): Readonly<DeviceConfig> {
    return this.parts.config;
  }
}

/** A broker URL may carry user:password; the console never shows them. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
