import type { EventEmitter } from 'node:events';
import type { Device, DeviceLifecycleEvents } from '../device.js';

/** One code read by the scanner, exactly as decoded (no suffix). */
export interface Scan {
  code: string;
  uptimeMs: number;
}

export interface BarcodeScannerEvents extends DeviceLifecycleEvents {
  scan: [scan: Scan];
}

export interface BarcodeScanner extends Device, EventEmitter<BarcodeScannerEvents> {}
