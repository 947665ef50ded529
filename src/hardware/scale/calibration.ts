import { CALIBRATION_FACTOR_RANGE } from '../../ops/config/scale-config.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * Span calibration with one known weight: readings are `factor x raw`, so the
 * factor that makes a settled raw reading of the known weight read true is
 * known / raw. Zero is the scale's (or the software zero's) business; the
 * factor only corrects the slope.
 */
export function computeCalibrationFactor(knownGrams: number, rawGrams: number): number {
  checkKnownWeight(knownGrams);
  if (!Number.isFinite(rawGrams) || rawGrams <= 0) {
    throw new KioskError(ErrorCode.ScaleCalibrationRejected, 'the scale reads no load; put the known weight on the zeroed platform', {
      knownGrams,
      rawGrams,
    });
  }
  // Rounded to 9 significant digits: more than any load cell resolves, and stable in a config file.
  return checkCalibrationFactor(Number((knownGrams / rawGrams).toPrecision(9)), { knownGrams, rawGrams });
}

/** Throws ScaleCalibrationRejected unless the known weight is a positive number of grams. */
export function checkKnownWeight(knownGrams: number): void {
  if (!Number.isFinite(knownGrams) || knownGrams <= 0) {
    throw new KioskError(ErrorCode.ScaleCalibrationRejected, 'the known weight must be a positive number of grams', { knownGrams });
  }
}

/** Returns the factor, or throws ScaleCalibrationRejected when it is outside the plausible range. */
export function checkCalibrationFactor(factor: number, context: Record<string, unknown> = {}): number {
  if (!Number.isFinite(factor) || factor < CALIBRATION_FACTOR_RANGE.min || factor > CALIBRATION_FACTOR_RANGE.max) {
    throw new KioskError(
      ErrorCode.ScaleCalibrationRejected,
      `calibration factor ${factor} is outside ${CALIBRATION_FACTOR_RANGE.min}..${CALIBRATION_FACTOR_RANGE.max}: wrong weight on the platform?`,
      { ...context, factor },
    );
  }
  return factor;
}
