/**
 * The scale's calibration factor as the technician's `scale calibrate` leaves
 * it: one settings row, re-applied right after the scale starts, so it
 * survives a restart and wins over device-config's calibrationFactor (the
 * console's value is the newer measurement of this very balance).
 */
import { z } from 'zod';
import type { Scale } from '../hardware/scale/scale.js';
import type { Logger } from '../ops/logger.js';
import type { SettingsStore } from '../store/settings-store.js';

/** Settings key (docs/storage.md): JSON {factor, knownGrams, calibratedAt, serialNumber?}. */
export const SETTING_SCALE_CALIBRATION = 'scale.calibration';

export const StoredScaleCalibration = z
  .object({
    factor: z.number().positive(),
    knownGrams: z.number().positive(),
    calibratedAt: z.string(),
    serialNumber: z.string().optional(),
  })
  .strict();

export type StoredScaleCalibration = z.infer<typeof StoredScaleCalibration>;

/** The stored calibration, or undefined when there is none or it is unreadable (the caller keeps the config's factor). */
export function readScaleCalibration(settings: SettingsStore): StoredScaleCalibration | undefined {
  const text = settings.get(SETTING_SCALE_CALIBRATION);
  if (text === undefined) return undefined;
  try {
    const parsed = StoredScaleCalibration.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function saveScaleCalibration(settings: SettingsStore, calibration: StoredScaleCalibration): void {
  settings.set(SETTING_SCALE_CALIBRATION, JSON.stringify(StoredScaleCalibration.parse(calibration)));
}

/**
 * At start, after scale.start(): applies the stored factor. Never throws: a
 * bad row or an implausible factor is logged and the config's factor stays,
 * because a kiosk that cannot weigh well is still better than one that does not start.
 */
export function applyStoredScaleCalibration(settings: SettingsStore, scale: Scale, logger: Logger): void {
  const stored = readScaleCalibration(settings);
  if (stored === undefined) {
    if (settings.get(SETTING_SCALE_CALIBRATION) !== undefined) logger.error({ key: SETTING_SCALE_CALIBRATION }, 'stored scale calibration unreadable; using the configured factor');
    return;
  }
  try {
    scale.setCalibrationFactor(stored.factor);
  } catch (error) {
    logger.error({ err: error, factor: stored.factor }, 'stored scale calibration refused; using the configured factor');
    return;
  }
  const serialNumber = scale.identity().serialNumber;
  if (stored.serialNumber !== undefined && serialNumber !== undefined && serialNumber !== stored.serialNumber) {
    // Applied anyway: a swapped balance is a technician's job to recalibrate, and its factor is likely close.
    logger.warn({ calibratedOn: stored.serialNumber, serialNumber }, 'scale calibration was made on another balance; recalibrate');
  }
  logger.info({ factor: stored.factor, calibratedAt: stored.calibratedAt }, 'stored scale calibration applied');
}
