import type { EventEmitter } from 'node:events';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Device, DeviceLifecycleEvents } from '../device.js';

/** One weight reading, normalised to grams (net of tare). */
export interface WeightReading {
  grams: number;
  /** The scale (or our software filter) considers the weight settled. */
  stable: boolean;
  /** Clock.uptimeMs() when the reading arrived. */
  uptimeMs: number;
}

/** Whether the load is inside what the scale can weigh; outside it there are no readings. */
export type WeighingRange = 'ok' | 'overload' | 'underload';

export interface ScaleEvents extends DeviceLifecycleEvents {
  reading: [reading: WeightReading];
  /** The weighing range changed (emitted on transitions only). */
  range: [range: WeighingRange];
}

export interface ZeroTareOptions {
  /**
   * Act on the current load even if it is still moving (MT-SICS TI / ZI).
   * By default the scale waits for a settled load and refuses otherwise.
   */
  immediate?: boolean;
}

/** What the scale says about itself, for the technician console and logs. */
export interface ScaleIdentity {
  protocol: 'mt-sics' | 'continuous-ascii' | 'simulated';
  /** Where it is attached: the serial port path or the simulated link. */
  port: string;
  /** Read with MT-SICS `@` at start and after every reconnect; absent when the scale cannot tell. */
  serialNumber?: string;
}

/** Counters since start, for the console and telemetry. */
export interface ScaleDiagnostics {
  range: WeighingRange;
  calibrationFactor: number;
  /** Lines read and understood. */
  frames: number;
  /** Lines or bytes discarded as unreadable (logged in hex). */
  badFrames: number;
  /** Readable answers that matched no outstanding command (late or unasked). */
  strayFrames: number;
  /** Commands that got no answer in time, or silences of a streaming scale. */
  timeouts: number;
  /** Answers refusing a command: I, L, +, - and the ES / ET / EL error lines (overload while polling counts as `range`). */
  refusals: number;
}

export interface Scale extends Device, EventEmitter<ScaleEvents> {
  /**
   * Most recent reading, if any arrived yet. Undefined again while the scale
   * cannot give a weight (faulted, out of range) and right after a tare or
   * zero, so a stale weight is never mistaken for the current one.
   */
  latest(): WeightReading | undefined;
  /** Take the current load as the new zero of net readings. */
  tare(options?: ZeroTareOptions): Promise<void>;
  /** Re-zero the empty platform (clears tare). */
  zero(options?: ZeroTareOptions): Promise<void>;
  /**
   * With a known test weight on the (zeroed) platform: waits for a settled
   * reading, sets the calibration factor so that it reads `knownGrams`, and
   * returns the factor for the console to persist (config `calibrationFactor`).
   * Rejects with ScaleCalibrationRejected when the result is implausible.
   */
  calibrate(knownGrams: number): Promise<number>;
  /** The factor every raw reading is multiplied by. */
  calibrationFactor(): number;
  /** Sets a factor persisted earlier; throws ScaleCalibrationRejected outside the plausible range. */
  setCalibrationFactor(factor: number): void;
  identity(): ScaleIdentity;
  diagnostics(): ScaleDiagnostics;
}

export interface StableWeightOptions {
  timeoutMs: number;
  /** Only a stable reading that passes this test counts (e.g. "at least 5 g"). */
  accept?: (reading: WeightReading) => boolean;
  signal?: AbortSignal;
}

/** Resolves with the first stable reading that `accept` takes; rejects with HardwareTimeout otherwise. */
export function waitForStableWeight(scale: Scale, options: StableWeightOptions): Promise<WeightReading> {
  const accept = options.accept ?? (() => true);
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      scale.off('reading', onReading);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onReading = (reading: WeightReading): void => {
      if (reading.stable && accept(reading)) {
        cleanup();
        resolve(reading);
      }
    };
    const onAbort = (): void => {
      cleanup();
      reject(options.signal?.reason);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new KioskError(ErrorCode.HardwareTimeout, `no stable weight within ${options.timeoutMs} ms`, {
          device: 'scale',
          last: scale.latest(),
        }),
      );
    }, options.timeoutMs);
    scale.on('reading', onReading);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
