import type { ScaleCalibrationView, ScaleReadingView, ScaleStatusView, TareView } from '../../console/device-facade.js';
import type { DepositFlow } from '../../deposit/deposit-flow.js';
import { waitForStableWeight, type Scale, type WeightReading } from '../../hardware/scale/scale.js';
import type { Clock } from '../../ops/clock.js';
import type { Logger } from '../../ops/logger.js';
import type { SettingsStore } from '../../store/settings-store.js';
import { readScaleCalibration, saveScaleCalibration, SETTING_SCALE_CALIBRATION } from '../scale-calibration.js';
import { requireIdleFlow } from './deposit-guard.js';

export interface ScaleConsoleParts {
  scale: Scale;
  flow: Pick<DepositFlow, 'state'>;
  settings: SettingsStore;
  clock: Clock;
  logger: Logger;
}

const NO_TARE: TareView = { state: 'none', grams: null, at: null };

/**
 * The console's scale commands over the Scale API. It also remembers the tare
 * the console set, because the Scale API (like the balance) only reports net
 * weights: the tare is whatever the net load was when `scale tare` ran.
 */
export class ScaleConsole {
  private tare: TareView = NO_TARE;

  constructor(private readonly parts: ScaleConsoleParts) {
    // MT-SICS: re-identifying the balance with `@` (after every fault) clears its tare.
    parts.scale.on('recovered', () => {
      if (parts.scale.identity().protocol === 'mt-sics') this.tare = NO_TARE;
    });
  }

  status(): ScaleStatusView {
    const { scale, settings } = this.parts;
    const identity = scale.identity();
    const diagnostics = scale.diagnostics();
    const stored = readScaleCalibration(settings);
    const latest = scale.latest();
    return {
      reading: latest ? this.view(latest) : null,
      range: diagnostics.range,
      health: scale.health(),
      identity: { protocol: identity.protocol, port: identity.port, serialNumber: identity.serialNumber ?? null },
      // The stored factor counts only if it is the one in effect (start-up refuses an implausible one and keeps the config's).
      calibration: stored && stored.factor === scale.calibrationFactor()
        ? {
            factor: scale.calibrationFactor(),
            source: 'console',
            knownGrams: stored.knownGrams,
            calibratedAt: stored.calibratedAt,
            serialNumber: stored.serialNumber ?? null,
          }
        : {
            factor: scale.calibrationFactor(),
            source: 'config',
            knownGrams: null,
            calibratedAt: null,
            serialNumber: null,
          },
      tare: this.tare,
      diagnostics: {
        frames: diagnostics.frames,
        badFrames: diagnostics.badFrames,
        strayFrames: diagnostics.strayFrames,
        timeouts: diagnostics.timeouts,
        refusals: diagnostics.refusals,
      },
    };
  }

  async read(options: { timeoutMs: number; signal: AbortSignal }): Promise<ScaleReadingView> {
    return this.view(await waitForStableWeight(this.parts.scale, options));
  }

  async tareNow(): Promise<ScaleStatusView> {
    requireIdleFlow(this.parts.flow, 'tare the scale');
    const before = this.parts.scale.latest();
    await this.parts.scale.tare();
    // The new tare adds the net load there was to any earlier tare.
    const previous = this.tare.state === 'set' ? (this.tare.grams ?? 0) : 0;
    this.tare = { state: 'set', grams: before?.stable ? round(previous + before.grams) : null, at: this.parts.clock.wallNow().toISOString() };
    return this.status();
  }

  async zeroNow(): Promise<ScaleStatusView> {
    requireIdleFlow(this.parts.flow, 'zero the scale');
    await this.parts.scale.zero();
    this.tare = NO_TARE;
    return this.status();
  }

  async calibrate(knownGrams: number): Promise<ScaleCalibrationView> {
    requireIdleFlow(this.parts.flow, 'calibrate the scale');
    const { scale, settings, clock, logger } = this.parts;
    const oldFactor = scale.calibrationFactor();
    // Rejects with the scale's own E107 for an absurd weight or factor, leaving the old factor in place.
    const newFactor = await scale.calibrate(knownGrams);
    const serialNumber = scale.identity().serialNumber;
    saveScaleCalibration(settings, {
      factor: newFactor,
      knownGrams,
      calibratedAt: clock.wallNow().toISOString(),
      ...(serialNumber === undefined ? {} : { serialNumber }),
    });
    logger.info({ oldFactor, newFactor, knownGrams, serialNumber }, 'scale calibrated from the console');
    return { oldFactor, newFactor, knownGrams, serialNumber: serialNumber ?? null, persistedAs: SETTING_SCALE_CALIBRATION };
  }

  private view(reading: WeightReading): ScaleReadingView {
    return { grams: reading.grams, unit: 'g', stable: reading.stable, ageMs: Math.max(0, Math.round(this.parts.clock.uptimeMs() - reading.uptimeMs)) };
  }
}

function round(grams: number): number {
  return Math.round(grams * 1000) / 1000;
}
