import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { MtSicsCommand, MtSicsResponse } from './mt-sics-protocol.js';
import { MtSicsSession } from './mt-sics-session.js';
import type { ScaleIdentity, ZeroTareOptions } from './scale.js';
import { asKioskError, ScaleDriver, type RawReading, type ScaleDriverOptions } from './scale-driver.js';

export interface MtSicsScaleOptions extends ScaleDriverOptions {
  /** Pause between the end of one SI poll and the next. */
  pollIntervalMs: number;
  /** Longest wait for the answer to an immediate command (SI, TI, ZI, @). */
  responseTimeoutMs: number;
}

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
 * A Mettler Toledo balance or weigh module over MT-SICS, polled with SI.
 *
 * Why polling SI rather than streaming with SIR: MT-SICS has no request ids,
 * so while SIR streams "S D …" lines a tare's "T S …" answer can only be told
 * apart by its id, and the stream must be stopped and restarted around every
 * command. Polling keeps exactly one command on the wire, lets tare/zero
 * simply queue between polls, and makes the watchdog free: a poll that gets
 * no answer within `responseTimeoutMs` means the scale went silent. At 9600
 * baud an SI round trip takes ~25 ms, so 10 polls a second are easy.
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

  constructor(private readonly settings: MtSicsScaleOptions) {
    super(settings, 'scale.mt-sics');
    this.session = new MtSicsSession(settings.link, {
      onBadFrame: (rejected) => this.reportBadFrame(rejected),
      onStray: (response) => {
        this.counters.frames += 1;
        this.counters.strayFrames += 1;
        this.log.debug({ response }, 'stray MT-SICS response dropped');
      },
      onAnswered: (command, response) => {
        this.counters.frames += 1;
        // An SI poll answered + or - is a weighing range, reported as such, not a refused command.
        if (isRefusal(response) && !(command === 'SI' && response.kind === 'out-of-range')) {
          this.counters.refusals += 1;
          this.log.debug({ command, response }, 'MT-SICS command refused');
        }
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
    const response = await this.exchange(command);
    if (response.kind !== 'tare') throw rejection(command, response);
    this.forgetReading();
    this.log.info({ command, tareGrams: response.weight.grams, stable: response.stable }, 'scale tared');
  }

  async zero(options: ZeroTareOptions = {}): Promise<void> {
    this.requireRunning('zero');
    const command = options.immediate ? 'ZI' : 'Z';
    const response = await this.exchange(command);
    if (response.kind !== 'zeroed') throw rejection(command, response);
    this.forgetReading();
    this.log.info({ command, stable: response.stable }, 'scale zeroed');
  }

  protected async readStableRaw(): Promise<RawReading> {
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

  private schedule(): void {
    if (!this.started) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.runCycle(), this.settings.pollIntervalMs);
  }

  private async cycle(): Promise<void> {
    if (!this.started || !this.settings.link.isOpen) return;
    try {
      if (this.needsHandshake) await this.handshake();
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
    const response = await this.exchange('SI');
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
        this.onCycleError(rejection('SI', response));
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
