import type { KioskError } from '../ops/errors.js';
import type { DeviceHealth, DeviceState, LifecycleEmitter } from './device.js';

/**
 * Tracks one device's health and emits `fault` / `recovered` exactly once per
 * transition, so a flapping USB cable produces one event per unplug, not one
 * per failed read.
 */
export class HealthTracker {
  private state: DeviceState = 'stopped';
  private detail: string | undefined;

  /** Takes only `emit`, so a device whose emitter has more events than the lifecycle ones passes itself as is. */
  constructor(private readonly emitter: LifecycleEmitter) {}

  running(): void {
    const wasFaulted = this.state === 'faulted';
    this.state = 'running';
    this.detail = undefined;
    if (wasFaulted) this.emitter.emit('recovered');
  }

  faulted(error: KioskError): void {
    if (this.state === 'faulted') return;
    this.state = 'faulted';
    this.detail = error.message;
    this.emitter.emit('fault', error);
  }

  stopped(): void {
    this.state = 'stopped';
    this.detail = undefined;
  }

  get current(): DeviceState {
    return this.state;
  }

  health(): DeviceHealth {
    return this.detail === undefined ? { state: this.state } : { state: this.state, detail: this.detail };
  }
}
