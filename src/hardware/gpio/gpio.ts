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

/** GPIO lines by the names device-config gives them. */
export interface Gpio extends Device, EventEmitter<GpioEvents> {
  read(line: string): boolean;
  write(line: string, value: boolean): Promise<void>;
}
