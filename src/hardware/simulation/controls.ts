import type { EventEmitter } from 'node:events';

/**
 * What the scenario player may do to the simulated world: the physical
 * actions of a consumer, never a call into a driver. Each device simulator
 * (speaking its real wire protocol) offers one of these.
 */
export interface ScaleSimulatorControl {
  /** The gross load on the platform changes; the simulated load cell swings, then settles. */
  setLoad(grams: number): void;
}

export interface ScannerSimulatorControl {
  /** A code is held in front of the scanner. */
  present(code: string): void;
}

export interface CameraSimulatorControl {
  /** What the camera sees from now on. */
  show(jpeg: Buffer): void;
}

export interface GpioSimulatorControl {
  /** The world changes an input line (logical value: active when true). */
  setInput(line: string, value: boolean): void;
  /** Every output write by the kiosk. */
  readonly outputs: EventEmitter<{ change: [change: { line: string; value: boolean }] }>;
  /** What the world sees of an output now (the logical value last written; false before any write). */
  outputValue(line: string): boolean;
}

export interface SimulatedWorld {
  scale: ScaleSimulatorControl;
  scanner: ScannerSimulatorControl;
  camera: CameraSimulatorControl;
  gpio: GpioSimulatorControl;
}
