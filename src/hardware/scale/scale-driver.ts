import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import { SCALE_STABILITY_DEFAULTS, type ScaleStabilityConfig } from '../../ops/config/scale-config.js';
import { ErrorCode, KioskError, isKioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { DeviceHealth } from '../device.js';
import { HealthTracker } from '../device-health.js';
import type { ByteLink } from '../serial/byte-link.js';
import { BadFrameLog } from './bad-frame-log.js';
import { checkCalibrationFactor, checkKnownWeight, computeCalibrationFactor } from './calibration.js';
import type { RejectedLine } from './line-decoder.js';
import type {
  Scale,
  ScaleDiagnostics,
  ScaleEvents,
  ScaleIdentity,
  WeighingRange,
  WeightReading,
  ZeroTareOptions,
} from './scale.js';
import { StabilityFilter } from './stability-filter.js';
import { roundGrams } from './units.js';

/** Something with a lifecycle that runs beside the driver: the simulator on the far end of an in-memory link. */
export interface Companion {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ScaleDriverOptions {
  link: ByteLink;
  clock: Clock;
  logger: Logger;
  /** Longest wait for a command that needs a settled load. */
  stableCommandTimeoutMs: number;
  stability?: ScaleStabilityConfig;
  calibrationFactor?: number;
  /**
   * Started before the link and stopped after it. The simulated kind passes
   * its protocol simulator here so the kiosk wires a simulated scale exactly
   * like a real one.
   */
  companion?: Companion;
}

/** A raw reading as the scale reported it (grams, before the calibration factor) and the software offset to subtract. */
export interface RawReading {
  reportedGrams: number;
  offsetGrams: number;
}

/**
 * What both scale drivers share: health, readings, stability judgement,
 * calibration and counters. A driver turns its protocol into calls to
 * `publish()`, `setRange()`, `fault()` and `markRunning()`.
 *
 *   ByteLink ──bytes──► decoder ──frames──► driver ──publish()──► 'reading' ──► deposit flow
 */
export abstract class ScaleDriver extends EventEmitter<ScaleEvents> implements Scale {
  // ScaleEvents extends DeviceLifecycleEvents, but EventEmitter<T> is invariant in T, hence the cast.
  protected readonly tracker = new HealthTracker(this);
  protected readonly log: Logger;
  protected readonly badFrames: BadFrameLog;
  protected readonly counters = { frames: 0, strayFrames: 0, timeouts: 0, refusals: 0 };
  protected started = false;
  private readonly filter: StabilityFilter;
  private readonly stabilityMode: ScaleStabilityConfig['mode'];
  private factor: number;
  private range: WeighingRange = 'ok';
  private last: WeightReading | undefined;
  private lastRaw: RawReading | undefined;
  /** Waits in waitForStableRaw() that stop() must end. */
  private readonly waiters = new Set<(error: KioskError) => void>();

  protected constructor(
    protected readonly options: ScaleDriverOptions,
    component: string,
  ) {
    super();
    this.log = options.logger.child({ component, port: options.link.name });
    this.badFrames = new BadFrameLog(this.log);
    const stability = options.stability ?? SCALE_STABILITY_DEFAULTS;
    this.stabilityMode = stability.mode;
    this.filter = new StabilityFilter(stability);
    this.factor = checkCalibrationFactor(options.calibrationFactor ?? 1);
  }

  /**
   * Every listener runs, even when an earlier one throws: a buggy consumer of
   * readings must neither starve the deposit flow's listener nor break the
   * serial stream that delivered the bytes.
   */
  override emit<K extends keyof ScaleEvents>(event: K, ...args: ScaleEvents[K]): boolean {
    const listeners = this.rawListeners(event);
    for (const listener of listeners) {
      try {
        (listener as (...values: ScaleEvents[K]) => void).apply(this, args);
      } catch (error) {
        this.log.error({ err: error, event }, 'a scale event listener threw; the others still ran');
      }
    }
    return listeners.length > 0;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.options.companion?.start();
    await this.startDriver();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const stopped = new KioskError(ErrorCode.HardwareFault, 'scale stopped', { device: 'scale' });
    for (const abort of [...this.waiters]) abort(stopped);
    await this.stopDriver();
    await this.options.companion?.stop();
    this.forgetReading();
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  latest(): WeightReading | undefined {
    return this.last;
  }

  calibrationFactor(): number {
    return this.factor;
  }

  setCalibrationFactor(factor: number): void {
    const previous = this.factor;
    this.factor = checkCalibrationFactor(factor);
    this.forgetReading();
    this.log.info({ factor: this.factor, previous }, 'scale calibration factor set');
  }

  async calibrate(knownGrams: number): Promise<number> {
    checkKnownWeight(knownGrams); // before touching the scale
    this.requireRunning('calibrate');
    const raw = await this.readStableRaw();
    const factor = computeCalibrationFactor(knownGrams, raw.reportedGrams - raw.offsetGrams);
    this.setCalibrationFactor(factor);
    return factor;
  }

  diagnostics(): ScaleDiagnostics {
    return { range: this.range, calibrationFactor: this.factor, badFrames: this.badFrames.count, ...this.counters };
  }

  abstract tare(options?: ZeroTareOptions): Promise<void>;
  abstract zero(options?: ZeroTareOptions): Promise<void>;
  abstract identity(): ScaleIdentity;
  protected abstract startDriver(): Promise<void>;
  protected abstract stopDriver(): Promise<void>;
  /** A settled reading straight from the scale, for calibration. */
  protected abstract readStableRaw(): Promise<RawReading>;

  /** Turns one raw reading into a `reading` event: calibrated, net of offsets, judged for stability. */
  protected publish(raw: RawReading, scaleSaysStable: boolean | undefined): void {
    const uptimeMs = this.options.clock.uptimeMs();
    // The filter watches the reported load, so a software tare does not look like motion.
    const softwareStable = this.filter.push(this.factor * raw.reportedGrams, uptimeMs);
    const stable =
      this.stabilityMode === 'software' || scaleSaysStable === undefined
        ? softwareStable
        : this.stabilityMode === 'both'
          ? scaleSaysStable && softwareStable
          : scaleSaysStable;
    this.lastRaw = raw;
    this.last = { grams: roundGrams(this.factor * (raw.reportedGrams - raw.offsetGrams)), stable, uptimeMs };
    this.emit('reading', this.last);
  }

  protected setRange(range: WeighingRange): void {
    if (range !== 'ok') this.forgetReading();
    if (range === this.range) return;
    this.range = range;
    this.log.info({ range }, 'scale weighing range changed');
    this.emit('range', range);
  }

  protected markRunning(): void {
    if (!this.started) return;
    const wasFaulted = this.tracker.current === 'faulted';
    this.tracker.running();
    if (wasFaulted) this.log.info('scale recovered');
  }

  protected fault(error: KioskError): void {
    if (!this.started) return;
    this.forgetReading();
    if (this.tracker.current !== 'faulted') this.log.warn({ err: error }, 'scale faulted');
    this.tracker.faulted(error);
  }

  /** After a tare, zero or new factor the last reading no longer means what it said. */
  protected forgetReading(): void {
    this.last = undefined;
    this.lastRaw = undefined;
    this.filter.reset();
  }

  protected reportBadFrame(rejected: RejectedLine<string>): void {
    this.badFrames.report(rejected);
  }

  protected requireRunning(action: string): void {
    if (!this.started || this.tracker.current !== 'running') {
      throw new KioskError(ErrorCode.HardwareFault, `cannot ${action}: the scale is ${this.tracker.current}`, {
        device: 'scale',
        action,
        health: this.tracker.health(),
      });
    }
  }

  /** The latest raw reading, for an immediate software tare or zero. */
  protected currentRaw(action: string): RawReading {
    if (this.lastRaw === undefined) {
      throw new KioskError(ErrorCode.ScaleCommandRejected, `cannot ${action}: no current reading (range ${this.range})`, {
        device: 'scale',
        action,
        reason: this.range === 'ok' ? 'no-reading' : this.range,
      });
    }
    return this.lastRaw;
  }

  /** Resolves with the next settled raw reading; rejects on timeout, fault or stop. */
  protected waitForStableRaw(action: string): Promise<RawReading> {
    const timeoutMs = this.options.stableCommandTimeoutMs;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('reading', onReading);
        this.off('fault', onFault);
        this.waiters.delete(onFault);
      };
      const onReading = (reading: WeightReading): void => {
        if (!reading.stable || this.lastRaw === undefined) return;
        cleanup();
        resolve(this.lastRaw);
      };
      const onFault = (error: KioskError): void => {
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new KioskError(ErrorCode.HardwareTimeout, `cannot ${action}: no settled load within ${timeoutMs} ms`, {
            device: 'scale',
            action,
            range: this.range,
          }),
        );
      }, timeoutMs);
      this.on('reading', onReading);
      this.on('fault', onFault);
      this.waiters.add(onFault);
    });
  }

  /** Runs a handler for link data so that a throwing 'reading' listener cannot crash the serial stream. */
  protected guarded(what: string, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.log.error({ err: error }, `scale ${what} handler failed`);
    }
  }
}

/** Whatever was thrown, as a KioskError (unexpected errors become HardwareFault). */
export function asKioskError(error: unknown): KioskError {
  if (isKioskError(error)) return error;
  return new KioskError(ErrorCode.HardwareFault, error instanceof Error ? error.message : String(error), { device: 'scale' }, { cause: error });
}
