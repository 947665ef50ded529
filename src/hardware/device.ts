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

/** The listening half of a device's lifecycle events, whatever other events its emitter carries. */
export interface LifecycleSource {
  on(event: 'fault', listener: (error: KioskError) => void): unknown;
  on(event: 'recovered', listener: () => void): unknown;
  off(event: 'fault', listener: (error: KioskError) => void): unknown;
  off(event: 'recovered', listener: () => void): unknown;
}

/** The emitting half of a device's lifecycle events, whatever other events its emitter carries. */
export interface LifecycleEmitter {
  emit(event: 'fault', error: KioskError): boolean;
  emit(event: 'recovered'): boolean;
}
