import { ErrorCode, KioskError } from '../../ops/errors.js';
import { createContinuousDecoder, type ContinuousFrame } from './continuous-ascii-parser.js';
import type { ScaleIdentity, ZeroTareOptions } from './scale.js';
import { ScaleDriver, type RawReading, type ScaleDriverOptions } from './scale-driver.js';

export interface ContinuousAsciiScaleOptions extends ScaleDriverOptions {
  /** Longest silence (no readable line) before the scale counts as faulted. */
  responseTimeoutMs: number;
}

/**
 * A platform-scale indicator that streams "ST,GS,+0001.250kg" lines unasked.
 * Passive: nothing is ever written to it. Tare and zero are software offsets
 * on top of whatever the indicator reports (so they work on any model, and
 * agree with a tare made on the indicator's own keys, which turns GS into NT);
 * stability comes from the ST/US flag unless config says not to trust it or
 * a line carries none.
 *
 * The watchdog is the stream itself: when no readable line arrived for
 * `responseTimeoutMs` the scale is faulted (unplugged RS-232 lead, indicator
 * switched off, or the wrong baud rate, which yields only bad frames); the
 * next readable line recovers it.
 */
export class ContinuousAsciiScale extends ScaleDriver {
  private readonly decoder = createContinuousDecoder();
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Software zero: the reported load taken as empty (raw grams). */
  private zeroGrams = 0;
  /** Software tare on top of the zero (raw grams). */
  private tareGrams = 0;
  /** Resolves start() once the first line or the first silence decided the health. */
  private contactSettled: (() => void) | undefined;

  constructor(private readonly settings: ContinuousAsciiScaleOptions) {
    super(settings, 'scale.continuous-ascii');
  }

  identity(): ScaleIdentity {
    return { protocol: 'continuous-ascii', port: this.settings.link.name };
  }

  async tare(options: ZeroTareOptions = {}): Promise<void> {
    this.requireRunning('tare');
    const raw = options.immediate ? this.currentRaw('tare') : await this.waitForStableRaw('tare');
    this.tareGrams = raw.reportedGrams - this.zeroGrams;
    this.forgetReading();
    this.log.info({ tareGrams: this.tareGrams, immediate: options.immediate === true }, 'scale tared (software)');
  }

  async zero(options: ZeroTareOptions = {}): Promise<void> {
    this.requireRunning('zero');
    const raw = options.immediate ? this.currentRaw('zero') : await this.waitForStableRaw('zero');
    this.zeroGrams = raw.reportedGrams;
    this.tareGrams = 0;
    this.forgetReading();
    this.log.info({ zeroGrams: this.zeroGrams, immediate: options.immediate === true }, 'scale zeroed (software)');
  }

  protected readStableRaw(): Promise<RawReading> {
    return this.waitForStableRaw('calibrate');
  }

  protected async startDriver(): Promise<void> {
    const { link } = this.settings;
    link.on('data', this.onData);
    link.on('open', this.onOpen);
    link.on('lost', this.onLost);
    const contact = new Promise<void>((resolve) => (this.contactSettled = resolve));
    await link.start();
    if (link.isOpen) {
      await contact; // bounded: the watchdog armed by 'open' settles it at the latest
    } else {
      this.settleContact();
      this.fault(new KioskError(ErrorCode.HardwareFault, `scale not connected at ${link.name}`, { device: 'scale', port: link.name }));
    }
  }

  protected async stopDriver(): Promise<void> {
    const { link } = this.settings;
    clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
    this.settleContact();
    link.off('data', this.onData);
    link.off('open', this.onOpen);
    link.off('lost', this.onLost);
    this.decoder.flush();
    await link.close();
  }

  private readonly onOpen = (): void => {
    this.log.info('scale port open; waiting for data');
    this.armWatchdog();
  };

  private readonly onLost = (reason: string): void => {
    clearTimeout(this.silenceTimer);
    this.decoder.flush();
    this.settleContact();
    this.fault(new KioskError(ErrorCode.HardwareFault, `scale disconnected: ${reason}`, { device: 'scale', port: this.settings.link.name, reason }));
  };

  private readonly onData = (chunk: Buffer): void => {
    this.guarded('data', () => {
      const { frames, rejected } = this.decoder.push(chunk);
      for (const bad of rejected) this.reportBadFrame(bad);
      for (const frame of frames) this.take(frame);
    });
  };

  private take(frame: ContinuousFrame): void {
    this.counters.frames += 1;
    this.armWatchdog();
    this.markRunning();
    this.settleContact();
    if (frame.kind === 'overload') {
      this.setRange('overload');
      return;
    }
    this.setRange('ok');
    const flag = frame.stability === 'unknown' ? undefined : frame.stability === 'stable';
    this.publish({ reportedGrams: frame.weight.grams, offsetGrams: this.zeroGrams + this.tareGrams }, flag);
  }

  private settleContact(): void {
    this.contactSettled?.();
    this.contactSettled = undefined;
  }

  private armWatchdog(): void {
    if (!this.started) return;
    clearTimeout(this.silenceTimer);
    const timeoutMs = this.settings.responseTimeoutMs;
    this.silenceTimer = setTimeout(() => {
      this.counters.timeouts += 1;
      this.settleContact();
      this.fault(
        new KioskError(ErrorCode.HardwareTimeout, `no readable line from the scale for ${timeoutMs} ms`, {
          device: 'scale',
          port: this.settings.link.name,
          badFrames: this.badFrames.count,
        }),
      );
    }, timeoutMs);
  }
}
