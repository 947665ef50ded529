import type { EventEmitter } from 'node:events';
import type { Device, DeviceLifecycleEvents } from '../device.js';

export interface Frame {
  jpeg: Buffer;
  /** Clock.uptimeMs() when the frame was captured (for a process camera: when its first byte arrived). */
  uptimeMs: number;
}

export interface CameraEvents extends DeviceLifecycleEvents {
  /** Every whole frame as it arrives (a live view, a test waiting for a scene). */
  frame: [frame: Frame];
}

export interface Camera extends Device, EventEmitter<CameraEvents> {
  /** A frame captured after this call was made, never an older buffered one. */
  grab(): Promise<Frame>;
}
