import type { DeviceConfig } from '../ops/config/schema.js';
import type { ConsoleDeviceFacade } from './device-facade.js';
import type { ConsoleSettingsFacade } from './settings-facade.js';

/**
 * The kiosk as the console sees it: a narrow, read-mostly interface. The
 * console depends on this and never on src/app/; src/app/kiosk-console-facade.ts
 * implements it over the wired Kiosk. New commands that need more of the kiosk
 * (scale, camera, gpio, broker, config...) add a method here and its
 * implementation there: one place that says what a technician can reach.
 */
export interface KioskFacade {
  identity(): KioskIdentity;
  status(): KioskStatusSnapshot;
  queueStats(): QueueStats;
  /** The last `count` log lines (JSON, secrets already redacted by the logger), oldest first. */
  recentLogs(count: number): string[];
  /** Nudges the outbox sync to publish now instead of waiting for its retry timer. */
  syncNow(): SyncNudge;
  /** Asks the process to stop cleanly and exit so the service manager starts it again. Returns at once. */
  requestRestart(reason: string): void;
  /** The running device-config (validated). Read-only: changing it goes through a config command's apply path. */
  config(): Readonly<DeviceConfig>;
  /** Scale, barcode scanner, camera, GPIO and model, for the device commands. */
  readonly devices: ConsoleDeviceFacade;
  /** Config (staged, applied with rollback), broker, net test, factory reset, for the settings commands. */
  readonly settings: ConsoleSettingsFacade;
}

export interface KioskIdentity {
  deviceId: string;
  stationId: string;
}

export type DeviceHealthState = 'stopped' | 'running' | 'faulted';

export interface DeviceHealthView {
  state: DeviceHealthState;
  detail?: string;
}

export interface QueueStats {
  /** Events held, sent or not. */
  total: number;
  /** Events not yet acknowledged by the broker. */
  unsent: number;
  oldestUnsentTime: string | null;
  /** Age of the oldest unsent event by the wall clock; null when none waits. */
  oldestUnsentAgeMs: number | null;
  lastSeq: number;
}

export interface KioskStatusSnapshot {
  identity: KioskIdentity;
  runtimeVersion: string;
  configVersion: number;
  bootId: string;
  uptimeMs: number;
  /** Health per device, by name (scale, barcode, camera, gpio, classifier). */
  devices: Record<string, DeviceHealthView>;
  /** The deposit flow's state, e.g. "idle" or "weighing". */
  depositState: string;
  queue: QueueStats;
  /** Broker URL without credentials, and whether the link is up. */
  broker: { url: string; connected: boolean };
  /** name@version of the classifier model. */
  model: string;
}

export interface SyncNudge {
  connected: boolean;
  unsent: number;
}
