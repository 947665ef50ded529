import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { MtSicsCommand, MtSicsResponse } from './mt-sics-protocol.js';
import { MtSicsSession } from './mt-sics-session.js';
import type { ScaleIdentity, ZeroTareOptions } from './scale.js';
import { asKioskError, ScaleDriver, type RawReading, type ScaleDriverOptions } from './scale-driver.js';

export interface MtSicsScaleOptions extends ScaleDriverOptions {
  /** Pause between the end of one SI poll and the next; in stream mode, how often the stream is checked (and resumed). */
  pollIntervalMs: number;
  /** Longest wait for the answer to an immediate command (SI, SIR, TI, ZI, @); in stream mode also the longest gap between streamed lines. */
  responseTimeoutMs: number;
  /** poll (default): SI every pollIntervalMs. stream: SIR, the balance sends every reading unasked. */
  mode?: MtSicsMode;
}

export type MtSicsMode = 'poll' | 'stream';

/**
 * A balance that refuses SI (S I, ES, an unreadable answer…) this many times
 * in a row AND for at least `responseTimeoutMs` counts as faulted. Both,
 * because a balance is briefly busy after `@` or during an internal
 * adjustment, and a single late refusal is not a pattern.
 */
export const REFUSALS_BEFORE_FAULT = 3;

/** MT-SICS commands that wait on the balance for a settled load, and so may take seconds to answer. */
const WAITS_FOR_STABILITY: ReadonlySet<MtSicsCommand> = new Set(['S', 'T', 'Z']);

/**
 * A Mettler Toledo balance or weigh module over MT-SICS, polled with SI, or
 * streaming with SIR (`mode: 'stream'`).
 *
 * Why polling SI rather than streaming with SIR: MT-SICS has no request ids,
 * so while SIR streams "S D …" lines a tare's "T S …" answer can only be told
 * apart by its id, and the stream must be stopped and restarted around every
 * command. Polling keeps exactly one command on the wire, lets tare/zero
 * simply queue between polls, and makes the watchdog free: a poll that gets
 * no answer within `responseTimeoutMs` means the scale went silent. At 9600
 * baud an SI round trip takes ~25 ms, so 10 polls a second are easy.
 *
 * Stream mode, for a balance whose every A/D update is wanted: after `@` the
 * driver sends SIR once and the balance sends "S …" lines unasked. Any command
 * ends SIR on the balance, so T, TI, Z and ZI pause the stream: their answers
 * are told apart by id, stream lines still on the wire meanwhile are dropped as
 * stray, and SIR is sent again once no command is waiting (checked every
 * pollIntervalMs, and at once after a tare or zero). The watchdog is the gap
 * between streamed lines: none for responseTimeoutMs faults the scale (E101)
 * and the next cycle sends `@`. calibrate() takes the stream's next stable
 * reading instead of sending S, whose answer no stream line could be told from.
 *
 * Whenever contact is (re)gained — at start, after the port comes back, after
 * a silence — the driver first sends `@`: it cancels whatever the balance was
 * half-way through, and its I4 answer re-reads the serial number, so a swapped
 * balance is noticed. `@` also clears the balance's tare, so after any
 * recovery the tare is deterministically zero (a silent balance may have been
 * power-cycled, which clears it anyway).
 */
export class MtSicsScale extends ScaleDriver {
  private readonly session: MtSicsSession;
  private pollTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private needsHandshake = true;
  private refusalsInARow = 0;
  private refusingSinceMs = 0;
  private serialNumber: string | undefined;
  private readonly mode: MtSicsMode;
  /** uptimeMs of the last line of the SIR stream (or of its start). */
  private lastStreamedMs = 0;

  constructor(private readonly settings: MtSicsScaleOptions) {
    super(settings, 'scale.mt-sics');
    this.mode = settings.mode ?? 'poll';
    this.session = new MtSicsSession(settings.link, {
      onBadFrame: (rejected) => this.reportBadFrame(rejected),
      onStray: (response) => {
        this.counters.frames += 1;
        this.counters.strayFrames += 1;
        this.log.debug({ response }, 'stray MT-SICS response dropped');
      },
      onAnswered: (command, response) => {
        this.counters.frames += 1;
        // An SI poll (or SIR) answered + or - is a weighing range, reported as such, not a refused command.
        if (isRefusal(response) && !((command === 'SI' || command === 'SIR') && response.kind === 'out-of-range')) {
          this.counters.refusals += 1;
          this.log.debug({ command, response }, 'MT-SICS command refused');
        }
      },
      onStreamed: (response) => {
        this.counters.frames += 1;
        this.lastStreamedMs = this.settings.clock.uptimeMs();
        if (isRefusal(response) && response.kind !== 'out-of-range') this.counters.refusals += 1;
        this.onWeightAnswer('SIR', response);
      },
    });
  }

  identity(): ScaleIdentity {
    return this.serialNumber === undefined
      ? { protocol: 'mt-sics', port: this.settings.link.name }
      : { protocol: 'mt-sics', port: this.settings.link.name, serialNumber: this.serialNumber };
  }

  async tare(options: ZeroTareOptions = {}): Promise<void> {
    this.requireRunning('tare');
    const command = options.immediate ? 'TI' : 'T';
    const response = await this.exchange(command).finally(() => this.resumeStream());
    if (response.kind !== 'tare') throw rejection(command, response);
    this.forgetReading();
    this.log.info({ command, tareGrams: response.weight.grams, stable: response.stable }, 'scale tared');
  }

  async zero(options: ZeroTareOptions = {}): Promise<void> {
    this.requireRunning('zero');
    const command = options.immediate ? 'ZI' : 'Z';
    const response = await this.exchange(command).finally(() => this.resumeStream());
    if (response.kind !== 'zeroed') throw rejection(command, response);
    this.forgetReading();
    this.log.info({ command, stable: response.stable }, 'scale zeroed');
  }

  protected async readStableRaw(): Promise<RawReading> {
    // While SIR streams, an S answer could not be told from the stream's own "S S" lines.
    if (this.mode === 'stream') return this.waitForStableRaw('calibrate');
    const response = await this.exchange('S');
    if (response.kind !== 'weight' || !response.stable) throw rejection('S', response);
    return { reportedGrams: response.weight.grams, offsetGrams: 0 };
  }

  protected async startDriver(): Promise<void> {
    const { link } = this.settings;
    link.on('data', this.onData);
    link.on('open', this.onOpen);
    link.on('lost', this.onLost);
    this.needsHandshake = true;
    await link.start();
    if (link.isOpen) {
      await this.runCycle();
    } else {
      this.fault(new KioskError(ErrorCode.HardwareFault, `scale not connected at ${link.name}`, { device: 'scale', port: link.name }));
      this.schedule();
    }
  }

  protected async stopDriver(): Promise<void> {
    const { link } = this.settings;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.session.cancelAll(new KioskError(ErrorCode.HardwareFault, 'scale stopped', { device: 'scale' }));
    await this.inFlight;
    link.off('data', this.onData);
    link.off('open', this.onOpen);
    link.off('lost', this.onLost);
    await link.close();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.guarded('data', () => this.session.receive(chunk));
  };

  private readonly onOpen = (): void => {
    this.log.info('scale port open; identifying the balance');
    this.needsHandshake = true;
    clearTimeout(this.pollTimer);
    void this.runCycle();
  };

  private readonly onLost = (reason: string): void => {
    const error = new KioskError(ErrorCode.HardwareFault, `scale disconnected: ${reason}`, { device: 'scale', port: this.settings.link.name, reason });
    this.needsHandshake = true;
    this.session.cancelAll(error);
    this.fault(error);
  };

  /** One handshake or poll, never two at once; the next is scheduled when it ends. */
  private runCycle(): Promise<void> {
    this.inFlight ??= this.cycle().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
  }

  private schedule(delayMs = this.settings.pollIntervalMs): void {
    if (!this.started) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.runCycle(), delayMs);
  }

  /** Stream mode: after a command, the next cycle restarts SIR now rather than a poll interval later. */
  private resumeStream(): void {
    if (this.mode === 'stream' && !this.inFlight) this.schedule(0);
  }

  private async cycle(): Promise<void> {
    if (!this.started || !this.settings.link.isOpen) return;
    try {
      if (this.needsHandshake) await this.handshake();
      else if (this.mode === 'stream') await this.superviseStream();
      else await this.poll();
    } catch (error) {
      this.onCycleError(asKioskError(error));
    }
  }

  private async handshake(): Promise<void> {
    const response = await this.exchange('@');
    if (response.kind !== 'serial-number') {
      this.fault(rejection('@', response));
      return;
    }
    if (this.serialNumber !== undefined && this.serialNumber !== response.serialNumber) {
      this.log.warn({ previous: this.serialNumber, serialNumber: response.serialNumber }, 'a different balance answers on this port');
    }
    this.serialNumber = response.serialNumber;
    this.needsHandshake = false;
    this.refusalsInARow = 0;
    this.log.info({ serialNumber: response.serialNumber }, 'balance identified');
    this.markRunning();
  }

  private async poll(): Promise<void> {
    this.onWeightAnswer('SI', await this.exchange('SI'));
  }

  /** Stream mode, every cycle: (re)start SIR when nothing else is on the wire; fault a stream that went quiet. */
  private async superviseStream(): Promise<void> {
    const { clock, responseTimeoutMs } = this.settings;
    if (this.session.streaming) {
      const quietMs = clock.uptimeMs() - this.lastStreamedMs;
      if (quietMs <= responseTimeoutMs) return;
      this.counters.timeouts += 1;
      this.needsHandshake = true;
      this.fault(
        new KioskError(ErrorCode.HardwareTimeout, `no weight from the SIR stream for ${quietMs} ms`, {
          device: 'scale',
          command: 'SIR',
          timeoutMs: responseTimeoutMs,
        }),
      );
      return;
    }
    if (!this.session.idle) return; // a tare or zero is on the wire; the stream resumes after it
    const response = await this.exchange('SIR');
    this.lastStreamedMs = clock.uptimeMs();
    this.onWeightAnswer('SIR', response);
  }

  /** An answer to SI, or a line of the SIR stream. */
  private onWeightAnswer(command: 'SI' | 'SIR', response: MtSicsResponse): void {
    switch (response.kind) {
      case 'weight':
        this.refusalsInARow = 0;
        this.markRunning();
        this.setRange('ok');
        this.publish({ reportedGrams: response.weight.grams, offsetGrams: 0 }, response.stable);
        return;
      case 'out-of-range':
        this.refusalsInARow = 0;
        this.markRunning();
        this.setRange(response.direction === 'over' ? 'overload' : 'underload');
        return;
      default:
        this.onCycleError(rejection(command, response));
    }
  }

  private onCycleError(error: KioskError): void {
    if (!this.started) return;
    if (error.code === ErrorCode.HardwareTimeout) return; // exchange() has faulted already
    if (!this.settings.link.isOpen) return; // onLost has faulted already
    const now = this.settings.clock.uptimeMs();
    if (this.refusalsInARow === 0) this.refusingSinceMs = now;
    this.refusalsInARow += 1;
    this.log.debug({ err: error, refusalsInARow: this.refusalsInARow }, 'scale poll failed');
    if (this.refusalsInARow >= REFUSALS_BEFORE_FAULT && now - this.refusingSinceMs >= this.settings.responseTimeoutMs) this.fault(error);
  }

  /** Sends one command; a timeout means the balance went silent, which faults it until `@` is answered again. */
  private async exchange(command: MtSicsCommand): Promise<MtSicsResponse> {
    const timeoutMs = WAITS_FOR_STABILITY.has(command) ? this.settings.stableCommandTimeoutMs : this.settings.responseTimeoutMs;
    try {
      return await this.session.request(command, timeoutMs);
    } catch (error) {
      const kioskError = asKioskError(error);
      if (kioskError.code === ErrorCode.HardwareTimeout && this.started) {
        this.counters.timeouts += 1;
        this.needsHandshake = true;
        this.fault(kioskError);
      }
      throw kioskError;
    }
  }
}

function isRefusal(response: MtSicsResponse): boolean {
  return response.kind === 'refused' || response.kind === 'out-of-range' || response.kind === 'error';
}

/** The KioskError for an answer that is not the success a command expects. */
function rejection(command: MtSicsCommand, response: MtSicsResponse): KioskError {
  const reason =
    response.kind === 'refused'
      ? response.reason
      : response.kind === 'out-of-range'
        ? response.direction === 'over'
          ? 'over-range'
          : 'under-range'
        : response.kind === 'error'
          ? `${response.error}-error`
          : response.kind === 'weight' && !response.stable
            ? 'not-stable'
            : `unexpected-${response.kind}`;
  return new KioskError(ErrorCode.ScaleCommandRejected, `scale refused ${command}: ${reason}`, { device: 'scale', command, reason, response });
}
