import type { EventEmitter } from 'node:events';
import type { Device, DeviceLifecycleEvents } from '../device.js';

/** A debounced change on an input line; `value` is logical (active-low already undone). */
export interface Edge {
  line: string;
  value: boolean;
  uptimeMs: number;
}

export interface GpioEvents extends DeviceLifecycleEvents {
  edge: [edge: Edge];
}

/**
 * GPIO lines by the names device-config gives them. The contract both twins
 * (OnoffGpio, SimulatedGpio) keep, checked by test/hardware/gpio/gpio-contract.ts:
 * - values are logical: `activeLow` is applied between the pin level and the value;
 * - an input's change is reported (`edge`) only once it has held for the line's
 *   `debounceMs`, and only when the debounced value actually changes;
 * - `read()` of an input is its debounced value, the same one the last edge
 *   reported, so "read, then wait for the opposite edge" cannot miss it;
 *   `read()` of an output is the value last written;
 * - outputs start inactive (logical false) at `start()`;
 * - read/write before `start()` or after `stop()`, on an unknown line, or a
 *   write to an input, fail with HardwareFault.
 */
export interface Gpio extends Device, EventEmitter<GpioEvents> {
  read(line: string): boolean;
  write(line: string, value: boolean): Promise<void>;
}
