import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import type { DeviceHealth } from '../device.js';
import { checkCalibrationFactor, computeCalibrationFactor } from './calibration.js';
import type { Scale, ScaleDiagnostics, ScaleEvents, ScaleIdentity, WeightReading } from './scale.js';

export interface SimulatedScaleSettings {
  readingIntervalMs: number;
  noiseGrams: number;
  /** Readings after a load change before the simulated scale reports stable. */
  settleReadings?: number;
}

/**
 * Superseded by the protocol simulators (MtSicsSimulator, ContinuousAsciiSimulator)
 * behind the real drivers (see create-scale.ts); kept until the wiring moves over.
 *
 * A platform scale in software: a load placed on it swings for a few readings,
 * then settles with a little noise, as a real load cell does.
 */
export class SimulatedScale extends EventEmitter<ScaleEvents> implements Scale {
  private grossGrams = 0;
  private tareGrams = 0;
  private readingsSinceChange = 0;
  private last: WeightReading | undefined;
  private timer: NodeJS.Timeout | undefined;
  private factor = 1;

  constructor(
    private readonly settings: SimulatedScaleSettings,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.timer ??= setInterval(() => this.emitReading(), this.settings.readingIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  health(): DeviceHealth {
    return { state: this.timer ? 'running' : 'stopped' };
  }

  latest(): WeightReading | undefined {
    return this.last;
  }

  async tare(): Promise<void> {
    this.tareGrams = this.grossGrams;
  }

  async zero(): Promise<void> {
    this.tareGrams = 0;
    this.grossGrams = 0;
  }

  async calibrate(knownGrams: number): Promise<number> {
    this.factor = computeCalibrationFactor(knownGrams, this.grossGrams - this.tareGrams);
    return this.factor;
  }

  calibrationFactor(): number {
    return this.factor;
  }

  setCalibrationFactor(factor: number): void {
    this.factor = checkCalibrationFactor(factor);
  }

  identity(): ScaleIdentity {
    return { protocol: 'simulated', port: 'in-process' };
  }

  diagnostics(): ScaleDiagnostics {
    return { range: 'ok', calibrationFactor: this.factor, frames: 0, badFrames: 0, strayFrames: 0, timeouts: 0, refusals: 0 };
  }

  /** Simulation control: the gross load on the platform changes. */
  setLoad(grams: number): void {
    this.grossGrams = grams;
    this.readingsSinceChange = 0;
  }

  private emitReading(): void {
    const settle = this.settings.settleReadings ?? 4;
    const stable = this.readingsSinceChange >= settle;
    this.readingsSinceChange += 1;
    const noise = (this.random() * 2 - 1) * (stable ? this.settings.noiseGrams : this.grossGrams * 0.2 + 5);
    const grams = Math.round((this.grossGrams - this.tareGrams + noise) * this.factor * 10) / 10;
    this.last = { grams, stable, uptimeMs: this.clock.uptimeMs() };
    this.emit('reading', this.last);
  }
}
