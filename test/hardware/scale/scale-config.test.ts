import { describe, expect, it } from 'vitest';
import { checkCalibrationFactor, computeCalibrationFactor } from '../../../src/hardware/scale/calibration.js';
import { ScaleConfig } from '../../../src/ops/config/scale-config.js';
import { ErrorCode } from '../../../src/ops/errors.js';

describe('scale config', () => {
  it('fills the simulated defaults, keeping the old fields', () => {
    expect(ScaleConfig.parse({ kind: 'simulated' })).toEqual({ kind: 'simulated', readingIntervalMs: 50, noiseGrams: 0.2, protocol: 'mt-sics' });
  });

  it('fills every serial default', () => {
    expect(ScaleConfig.parse({ kind: 'serial', path: '/dev/ttyUSB0' })).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      protocol: 'mt-sics',
      mode: 'poll',
      pollIntervalMs: 100,
      responseTimeoutMs: 1000,
      stableCommandTimeoutMs: 10_000,
      reconnect: { initialMs: 500, maxMs: 30_000 },
      stability: { mode: 'scale', readings: 5, toleranceGrams: 2, windowMs: 500 },
      calibrationFactor: 1,
    });
  });

  it('fills nested defaults of a partly given stability block', () => {
    const config = ScaleConfig.parse({ kind: 'serial', path: '/dev/ttyUSB0', protocol: 'continuous-ascii', stability: { mode: 'both' } });
    expect(config.kind === 'serial' && config.stability).toEqual({ mode: 'both', readings: 5, toleranceGrams: 2, windowMs: 500 });
  });

  it.each([
    [{ kind: 'serial', path: '/dev/ttyUSB0', calibrationFactor: 3 }],
    [{ kind: 'serial', path: '/dev/ttyUSB0', calibrationFactor: 0 }],
    [{ kind: 'serial', path: '/dev/ttyUSB0', protocol: 'modbus' }],
    [{ kind: 'serial', path: '/dev/ttyUSB0', stability: { mode: 'never' } }],
    [{ kind: 'serial', path: '/dev/ttyUSB0', pollIntervalMs: 0 }],
    [{ kind: 'serial', path: '/dev/ttyUSB0', mode: 'sir' }],
    [{ kind: 'simulated', protocol: 'continuous-ascii', path: '/dev/x' }],
  ])('refuses %j', (document) => {
    expect(ScaleConfig.safeParse(document).success).toBe(false);
  });
});

describe('calibration factor', () => {
  it.each([
    [1000, 1000, 1],
    [1000, 998, 1.00200401],
    [500, 502.5, 0.995024876],
  ])('known %d g read as %d g gives %d', (known, raw, factor) => {
    expect(computeCalibrationFactor(known, raw)).toBe(factor);
  });

  it.each([
    [0, 1000],
    [-5, 1000],
    [Number.NaN, 1000],
    [1000, 0],
    [1000, -3],
    [1000, 0.4], // empty platform: factor 2500
    [1000, 3000], // wrong weight: factor 0.33
  ])('refuses known %d g read as %d g', (known, raw) => {
    expect(() => computeCalibrationFactor(known, raw)).toThrow(expect.objectContaining({ code: ErrorCode.ScaleCalibrationRejected }));
  });

  it('checks a factor set from config or the console', () => {
    expect(checkCalibrationFactor(1.01)).toBe(1.01);
    expect(() => checkCalibrationFactor(Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: ErrorCode.ScaleCalibrationRejected }));
  });
});
