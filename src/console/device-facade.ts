import type { DeviceHealthView } from './kiosk-facade.js';

/**
 * The devices as the technician's device commands see them (scale, barcode,
 * camera, gpio, model). Plain data in, plain data out: the console never
 * imports a driver. Implemented in src/app/console-device-facade.ts.
 *
 * Everything that moves or re-zeroes hardware (tare, zero, calibrate, gpio
 * pulses, barcode test, camera reference) refuses with [E510] while a deposit
 * is in progress: the deposit flow owns the devices then.
 */
export interface ConsoleDeviceFacade {
  /** The current reading (may be unsettled or absent) and what the scale says about itself. */
  scale(): ScaleStatusView;
  /** Waits (bounded) for a stable reading that arrives after the call. Rejects [E101] on timeout. */
  scaleRead(options: { timeoutMs: number; signal: AbortSignal }): Promise<ScaleReadingView>;
  scaleTare(): Promise<ScaleStatusView>;
  scaleZero(): Promise<ScaleStatusView>;
  /** With the known weight on the platform: computes, applies and persists the factor. Rejects [E107] when implausible. */
  scaleCalibrate(knownGrams: number): Promise<ScaleCalibrationView>;
  /**
   * Starts a scanner test: every scan goes to `onScan` and NOT to the deposit
   * flow (no consumer session, no waybill for the next item) until `stop()`.
   */
  testScanner(onScan: (scan: ScanView) => void): ScannerTest;
  /** A fresh frame saved to `out` (relative: under the data directory) or to the data directory's snapshots/. */
  cameraSnapshot(options: { out?: string | undefined }): Promise<ImageFileView>;
  /** A fresh frame of the empty chamber stored as the empty-chamber reference. Rejects [E511] when not empty. */
  cameraReference(): Promise<ChamberReferenceView>;
  gpio(): GpioView;
  /** Energises the door lock for `ms`, then restores it. */
  pulseLock(ms: number, signal: AbortSignal): Promise<GpioPulseView>;
  /** Moves the diverter of `bin` for `ms`, then restores it. Rejects [E501] for an unknown bin. */
  moveDiverter(bin: string, ms: number, signal: AbortSignal): Promise<GpioPulseView>;
  /** Lights each lamp for `ms`, one after another, then restores them. */
  lampTest(ms: number, signal: AbortSignal): Promise<GpioPulseView>;
  modelInfo(): Promise<ModelInfoView>;
}

export interface ScaleReadingView {
  grams: number;
  unit: 'g';
  stable: boolean;
  /** How old the reading is. */
  ageMs: number;
}

export interface TareView {
  /** 'set': a console tare is in effect; 'none': no tare since start, a zero, or the balance was re-identified. */
  state: 'none' | 'set';
  /** The net load taken as tare, when it was known (the last reading before the tare). */
  grams: number | null;
  /** Wall time of the tare. */
  at: string | null;
}

export interface ScaleCalibrationRecordView {
  factor: number;
  /** 'console': persisted by `scale calibrate` and re-applied at start; 'config': the factor device-config gave. */
  source: 'console' | 'config';
  knownGrams: number | null;
  calibratedAt: string | null;
  serialNumber: string | null;
}

export interface ScaleStatusView {
  reading: ScaleReadingView | null;
  range: 'ok' | 'overload' | 'underload';
  health: DeviceHealthView;
  identity: { protocol: string; port: string; serialNumber: string | null };
  calibration: ScaleCalibrationRecordView;
  tare: TareView;
  diagnostics: { frames: number; badFrames: number; strayFrames: number; timeouts: number; refusals: number };
}

export interface ScaleCalibrationView {
  oldFactor: number;
  newFactor: number;
  knownGrams: number;
  serialNumber: string | null;
  /** The settings key it was persisted under. */
  persistedAs: string;
}

export interface ScanView {
  /** The code as the scanner sent it (symbology identifier included). */
  code: string;
  kind: 'waybill' | 'consumer-session' | 'gs1' | 'staff' | 'unknown';
  /** The code without its symbology identifier. */
  data: string;
  symbology: string | null;
  carrier?: string;
  session?: string;
  staff?: string;
  elements?: Array<{ ai: string; title: string; value: string; date?: string }>;
  /** Why an unknown code was not accepted (a GS1 or waybill check digit, ...). */
  problem?: string;
}

export interface ScannerTest {
  /** Ends the test; scans go to the deposit flow again. Idempotent. */
  stop(): void;
}

export interface ImageFileView {
  path: string;
  bytes: number;
  width: number;
  height: number;
  /** Mean luma (Rec. 601) of the frame, 0..255. */
  brightness: number;
}

export interface ChamberReferenceView extends ImageFileView {
  classifier: string;
  /** True when the running classifier now compares frames with this reference. */
  inUse: boolean;
  /** Why it is not in use, or how it is used. */
  note: string;
  /** The settings key the path was persisted under. */
  persistedAs: string;
}

export interface GpioLineView {
  name: string;
  line: number;
  value: boolean;
  /** What the kiosk uses it for, from device-config (item sensor, door lock, diverter of a bin, lamp). */
  role: string | null;
}

export interface GpioView {
  inputs: GpioLineView[];
  outputs: GpioLineView[];
  depositState: string;
}

export interface GpioPulseView {
  lines: string[];
  ms: number;
}

export interface ModelInfoView {
  /** name@version as the running classifier reports it. */
  model: string;
  kind: 'onnx' | 'scenario';
  health: DeviceHealthView;
  /** Kiosk labels (after the label map) the loaded model reports; empty while not loaded or for the scenario classifier. */
  labels: string[];
  /** From the manifest on disk (onnx only). */
  manifest: {
    id: string;
    labels: string[];
    input: { name: string; width: number; height: number; layout: string; channels: number; colorOrder: string; resize: string };
    sha256: string;
    bytes: number;
    emptyLabel: string | null;
  } | null;
  /** Why the manifest is missing (unreadable, or the scenario classifier has none). */
  manifestNote: string | null;
  threads: number | null;
  /** The configured empty-chamber reference and whether its file exists (the classifier reads it at start and on `camera reference`). */
  emptyReference: { path: string; fileExists: boolean } | null;
  /** The last deposit the classifier saw since start: when, what it said. */
  lastInference: { at: string; ageMs: number; label: string; confidence: number; model: string } | null;
  routes: Array<{ label: string; bin: string; diverter: string | null }>;
}
