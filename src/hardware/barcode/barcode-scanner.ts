import type { EventEmitter } from 'node:events';
import type { Device, DeviceLifecycleEvents } from '../device.js';
import type { DecodedCode } from './decoded-code.js';

/** One code read by the scanner. */
export interface Scan {
  /** The code exactly as the scanner sent it, without suffix (an AIM symbology identifier such as "]C1" stays in). */
  code: string;
  uptimeMs: number;
  /** What the code is: a waybill, the consumer's session code, a GS1 element string, a staff badge, or unknown. */
  decoded: DecodedCode;
}

export interface BarcodeScannerEvents extends DeviceLifecycleEvents {
  scan: [scan: Scan];
}

/** Counters a driver keeps for health reports and the technician's console. */
export interface ScannerStats {
  /** Scans delivered. */
  scans: number;
  /** Reads dropped as repeats of a code seen within duplicateWindowMs. */
  duplicates: number;
  /** Reads or byte runs discarded as malformed (overlong, invalid bytes, misaligned events...). */
  badFrames: number;
  /** Bytes thrown away with those bad frames. */
  discardedBytes: number;
}

export interface BarcodeScanner extends Device, EventEmitter<BarcodeScannerEvents> {
  stats(): ScannerStats;
}
