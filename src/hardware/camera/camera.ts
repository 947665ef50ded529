import type { Device } from '../device.js';

export interface Frame {
  jpeg: Buffer;
  /** Clock.uptimeMs() when the frame was captured. */
  uptimeMs: number;
}

export interface Camera extends Device {
  /** A frame captured after this call was made, never an older buffered one. */
  grab(): Promise<Frame>;
}
