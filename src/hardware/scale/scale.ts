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

export interface ScaleEvents extends DeviceLifecycleEvents {
  reading: [reading: WeightReading];
}

export interface Scale extends Device, EventEmitter<ScaleEvents> {
  /** Most recent reading, if any arrived yet. */
  latest(): WeightReading | undefined;
  /** Take the current load as the new zero of net readings. */
  tare(): Promise<void>;
  /** Re-zero the empty platform (clears tare). */
  zero(): Promise<void>;
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
