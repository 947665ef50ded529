/**
 * The consumer's visit as an explicit state machine.
 *
 *   idle ──item sensor──► weighing ──► capturing ──► classifying ──► recording ──► routing ──► awaiting-removal ──► idle
 *                                                                       │
 *                                                  store failure ──► out-of-service (refuses items until restarted)
 *   idle ◄──resumeIntake()── paused ◄──pauseIntake(reason)── idle (or after the visit in progress)
 *
 * It sees only the device interfaces (never serialport or onoff) and writes
 * each outcome to the durable outbox before it moves the diverter, so a
 * deposit the consumer saw accepted is on disk first.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { BarcodeScanner, Scan } from '../hardware/barcode/barcode-scanner.js';
import type { Camera } from '../hardware/camera/camera.js';
import type { Edge, Gpio } from '../hardware/gpio/gpio.js';
import { waitForStableWeight, type Scale } from '../hardware/scale/scale.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { DepositPayload, KioskEvent, ScannedCode } from '../protocol/events.js';
import type { EventStore } from '../store/event-store.js';
import type { Classification, Classifier } from '../vision/classifier.js';
import { decide, REJECT, type Decision, type DecisionRules, type RejectReason } from '../vision/decision.js';

export type DepositState =
  | 'stopped'
  | 'idle'
  | 'weighing'
  | 'capturing'
  | 'classifying'
  | 'recording'
  | 'routing'
  | 'awaiting-removal'
  /** Intake paused with a reason (the disk budget is reached): door locked, reject lamp on, no new items. */
  | 'paused'
  | 'out-of-service';

export interface DepositFlowEvents {
  state: [state: DepositState];
  /** A deposit's event is durably recorded. */
  recorded: [event: KioskEvent];
}

export interface DepositDevices {
  scale: Scale;
  scanner: BarcodeScanner;
  camera: Camera;
  gpio: Gpio;
  classifier: Classifier;
}

export interface DepositFlowOptions {
  devices: DepositDevices;
  store: EventStore;
  clock: Clock;
  logger: Logger;
  settings: DeviceConfig['deposit'];
  bins: DeviceConfig['bins'];
  /** How image, weight and barcodes make a decision (routes, thresholds, weight ranges). */
  rules: DecisionRules;
}

interface Visit {
  depositId: string;
  startedAt: number;
  barcodes: ScannedCode[];
  /** Once the outcome is on disk, later scans belong to the next item (or open a consumer session). */
  recorded: boolean;
  /** The item sensor fell at some point after the item was detected: this item has left the chamber. */
  itemGone: boolean;
  onItemGone?: () => void;
}

export class DepositFlow extends EventEmitter<DepositFlowEvents> {
  private current: DepositState = 'stopped';
  private visit: Visit | undefined;
  private visitDone: Promise<void> | undefined;
  private consumerCode: { code: string; expiresAt: number } | undefined;
  /** Codes scanned between items (a consumer showing the carton's waybill first): they belong to the next item. */
  private pendingCodes: Array<{ code: ScannedCode; expiresAt: number }> = [];
  /** Cuts waits for the consumer short at shutdown; never the recording of a deposit. */
  private readonly shutdown = new AbortController();
  private readonly onEdge = (edge: Edge): void => this.handleEdge(edge);
  private readonly onScan = (scan: Scan): void => this.handleScan(scan);
  /** Open holds of the console's `barcode test` (holdScans); scans are ignored while any is open. */
  private scanHolds = 0;
  /** Why intake is paused, while it is. */
  private intakePausedFor: string | undefined;

  constructor(private readonly options: DepositFlowOptions) {
    super();
  }

  get state(): DepositState {
    return this.current;
  }

  /**
   * The technician console's hook for `barcode test`: until the returned release
   * is called (idempotent), scans are ignored here, so test scans neither open a
   * consumer session nor ride along with the next item. Nothing else changes.
   */
  holdScans(): () => void {
    this.scanHolds += 1;
    let held = true;
    return () => {
      if (held) this.scanHolds -= 1;
      held = false;
    };
  }

  /** Why the kiosk takes no items now (intake paused), or undefined. */
  get intakePauseReason(): string | undefined {
    return this.intakePausedFor;
  }

  /**
   * Stops taking new items, saying why (logged; the state is `paused`): the
   * door stays locked and the reject lamp lit. A visit in progress finishes
   * first, its event written as usual.
   */
  async pauseIntake(reason: string): Promise<void> {
    const first = this.intakePausedFor === undefined;
    this.intakePausedFor = reason;
    if (first) this.options.logger.error({ reason }, 'intake paused: the kiosk takes no items');
    if (this.current === 'idle') await this.enterPaused();
  }

  /** Takes items again after pauseIntake. */
  async resumeIntake(): Promise<void> {
    if (this.intakePausedFor === undefined) return;
    this.intakePausedFor = undefined;
    this.options.logger.info('intake resumed');
    if (this.current !== 'paused') return;
    const { gpio } = this.options.devices;
    await gpio.write(this.options.settings.rejectLamp, false);
    await gpio.write(this.options.settings.doorLock, false);
    this.enter('idle');
    this.resumeIfItemPresent();
  }

  private async enterPaused(): Promise<void> {
    this.enter('paused');
    const { gpio } = this.options.devices;
    await gpio.write(this.options.settings.doorLock, true);
    await gpio.write(this.options.settings.rejectLamp, true);
  }

  async start(): Promise<void> {
    const { gpio, scanner } = this.options.devices;
    gpio.on('edge', this.onEdge);
    scanner.on('scan', this.onScan);
    await gpio.write(this.options.settings.doorLock, false);
    this.enter('idle');
  }

  /** Stops taking items, lets the deposit in progress finish, then returns. */
  async stop(): Promise<void> {
    const { gpio, scanner } = this.options.devices;
    gpio.off('edge', this.onEdge);
    scanner.off('scan', this.onScan);
    this.shutdown.abort(new Error('kiosk shutting down'));
    await this.visitDone;
    this.enter('stopped');
  }

  private enter(state: DepositState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.logger.debug({ state }, 'deposit state');
    this.emit('state', state);
  }

  private handleEdge(edge: Edge): void {
    if (edge.line !== this.options.settings.itemSensor) return;
    if (!edge.value) {
      // Remember the fall even before the flow waits for it: the next item may already be landing.
      if (this.visit && !this.visit.itemGone) {
        this.visit.itemGone = true;
        this.visit.onItemGone?.();
      }
      return;
    }
    if (this.current !== 'idle') {
      if (this.current === 'out-of-service') this.options.logger.warn('item detected while out of service; door stays closed');
      if (this.current === 'paused') this.options.logger.warn({ reason: this.intakePausedFor }, 'item detected while intake is paused; door stays closed');
      return;
    }
    const now = this.options.clock.uptimeMs();
    const barcodes = this.pendingCodes.filter((pending) => pending.expiresAt >= now).map((pending) => pending.code);
    this.pendingCodes = [];
    const visit: Visit = { depositId: randomUUID(), startedAt: now, barcodes, recorded: false, itemGone: false };
    this.visit = visit;
    // Leave idle before any await, so a bouncing sensor cannot start a second visit.
    this.enter('weighing');
    this.visitDone = this.runVisit(visit)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, depositId: visit.depositId }, 'deposit flow failed');
        this.enter('out-of-service');
      })
      .finally(() => {
        this.visit = undefined;
        this.resumeIfItemPresent();
      });
  }

  private handleScan(scan: Scan): void {
    if (this.scanHolds > 0) return;
    const { decoded } = scan;
    const ttl = this.options.settings.consumerCodeTtlMs;
    switch (decoded.kind) {
      case 'consumer-session':
        // The consumer's app code opens (or renews) the session their deposits are credited to.
        this.consumerCode = { code: decoded.session, expiresAt: scan.uptimeMs + ttl };
        this.options.logger.info('consumer session started');
        return;
      case 'staff':
        this.options.logger.info({ kind: decoded.kind }, 'staff code scanned');
        return;
      default: {
        const code: ScannedCode = { value: decoded.data, kind: decoded.kind };
        if (this.visit && !this.visit.recorded) this.visit.barcodes.push(code);
        else this.pendingCodes = [...this.pendingCodes.slice(-9), { code, expiresAt: scan.uptimeMs + ttl }];
      }
    }
  }

  private currentConsumerCode(): string | null {
    const session = this.consumerCode;
    if (!session || session.expiresAt < this.options.clock.uptimeMs()) return null;
    session.expiresAt = this.options.clock.uptimeMs() + this.options.settings.consumerCodeTtlMs;
    return session.code;
  }

  private async runVisit(visit: Visit): Promise<void> {
    const { devices, settings, logger } = this.options;
    const log = logger.child({ depositId: visit.depositId });
    await devices.gpio.write(settings.doorLock, true);
    const weightGrams = await this.measureWeight(log);

    const faults: RejectReason[] = [];
    this.enter('capturing');
    const jpeg = await devices.camera.grab().then(
      (frame) => frame.jpeg,
      (error: unknown) => {
        log.error({ err: error }, 'camera failed');
        faults.push('camera-unavailable');
        return null;
      },
    );

    this.enter('classifying');
    let classification: Classification | null = null;
    if (jpeg) {
      classification = await devices.classifier.classify(jpeg).catch((error: unknown) => {
        log.error({ err: error }, 'classifier failed');
        faults.push('classifier-unavailable');
        return null;
      });
    }

    const decision = decide({ classification, weightGrams, faults, barcodes: visit.barcodes, fullBins: this.fullBins() }, this.options.rules);

    this.enter('recording');
    const recorded = this.record(visit, decision, weightGrams, classification, log);
    visit.recorded = true;

    this.enter('routing');
    const accepted = recorded !== null && decision.route !== REJECT;
    if (accepted) {
      await this.divert(decision.route);
    } else {
      await devices.gpio.write(settings.rejectLamp, true);
      await devices.gpio.write(settings.doorLock, false);
    }

    this.enter('awaiting-removal');
    await this.awaitRemoval(visit, log);
    if (recorded === null) {
      await devices.gpio.write(settings.rejectLamp, false);
      await devices.gpio.write(settings.doorLock, false);
      this.enter('out-of-service');
    } else if (this.intakePausedFor !== undefined) {
      await this.enterPaused();
    } else {
      await devices.gpio.write(settings.rejectLamp, false);
      await devices.gpio.write(settings.doorLock, false);
      this.enter('idle');
    }
  }

  /** Bins whose full sensor is active now; a sensor that cannot be read counts as not full (the diverter still works). */
  private fullBins(): Set<string> {
    const full = new Set<string>();
    for (const [bin, { fullSensor }] of Object.entries(this.options.bins)) {
      if (fullSensor === undefined) continue;
      try {
        if (this.options.devices.gpio.read(fullSensor)) full.add(bin);
      } catch (error) {
        this.options.logger.warn({ err: error, bin }, 'bin-full sensor unreadable');
      }
    }
    return full;
  }

  /** Back to idle: an item already in the chamber (put in while the last one was being routed) starts its visit now. */
  private resumeIfItemPresent(): void {
    if (this.current === 'idle' && !this.shutdown.signal.aborted && this.options.devices.gpio.read(this.options.settings.itemSensor)) {
      this.handleEdge({ line: this.options.settings.itemSensor, value: true, uptimeMs: this.options.clock.uptimeMs() });
    }
  }

  private async measureWeight(log: Logger): Promise<number | null> {
    const { scale } = this.options.devices;
    try {
      const reading = await waitForStableWeight(scale, {
        timeoutMs: this.options.settings.stableTimeoutMs,
        accept: (r) => r.grams >= this.options.settings.minItemGrams,
      });
      return reading.grams;
    } catch (error) {
      // Settled below the minimum: a real (too light) reading, not a missing one.
      const last = scale.latest();
      if (last?.stable) return last.grams;
      log.warn({ err: error }, 'no stable weight');
      return null;
    }
  }

  /** Writes the outcome durably; null when the store refused it (the item is then handed back). */
  private record(
    visit: Visit,
    decision: Decision,
    weightGrams: number | null,
    classification: Classification | null,
    log: Logger,
  ): KioskEvent | null {
    const payload: DepositPayload = {
      depositId: visit.depositId,
      route: decision.route,
      label: decision.label,
      confidence: decision.confidence,
      weightGrams,
      consumerCode: this.currentConsumerCode(),
      barcodes: visit.barcodes,
      reasons: decision.reasons,
      model: classification?.model ?? this.options.devices.classifier.model,
      durationMs: Math.max(0, this.options.clock.uptimeMs() - visit.startedAt),
    };
    try {
      const event = this.options.store.append({
        type: decision.route === REJECT ? 'deposit.rejected' : 'deposit.accepted',
        payload,
      });
      log.info(
        { seq: event.seq, type: event.type, route: payload.route, label: payload.label, weightGrams, reasons: payload.reasons },
        'deposit recorded',
      );
      this.emit('recorded', event);
      return event;
    } catch (error) {
      // Nothing may be credited that is not on disk: refuse the item and stop taking more.
      log.error({ err: error }, 'cannot record deposit; handing the item back and going out of service');
      return null;
    }
  }

  private async divert(bin: string): Promise<void> {
    const binConfig = this.options.bins[bin];
    if (!binConfig) throw new Error(`route names unknown bin "${bin}"`);
    const { gpio } = this.options.devices;
    await gpio.write(binConfig.diverter, true);
    await new Promise((resolve) => setTimeout(resolve, this.options.settings.diverterPulseMs));
    await gpio.write(binConfig.diverter, false);
  }

  private awaitRemoval(visit: Visit, log: Logger): Promise<void> {
    const { gpio } = this.options.devices;
    const sensor = this.options.settings.itemSensor;
    // At shutdown nobody waits for the consumer: the deposit is recorded, the door is released below.
    if (visit.itemGone || !gpio.read(sensor) || this.shutdown.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearInterval(timer);
        visit.onItemGone = undefined;
        this.shutdown.signal.removeEventListener('abort', finish);
        resolve();
      };
      visit.onItemGone = finish;
      // The next visit must not start on an item that is still here, so keep waiting; remind staff meanwhile.
      const timer = setInterval(() => {
        log.warn({ waitedMs: this.options.clock.uptimeMs() - startedAt }, 'item still in the chamber');
      }, this.options.settings.removalReminderMs);
      const startedAt = this.options.clock.uptimeMs();
      this.shutdown.signal.addEventListener('abort', finish, { once: true });
    });
  }
}
