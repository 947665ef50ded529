import type { KioskError } from '../ops/errors.js';

/** What every hardware adapter shares: an explicit lifecycle and a health state. */
export type DeviceState = 'stopped' | 'running' | 'faulted';

export interface DeviceHealth {
  state: DeviceState;
  /** Human-readable reason while faulted. */
  detail?: string;
}

export interface DeviceLifecycleEvents {
  fault: [error: KioskError];
  recovered: [];
}

export interface Device {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): DeviceHealth;
}
