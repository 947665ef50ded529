import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DepositFlow, type DepositState } from '../../src/deposit/deposit-flow.js';
import type { Scan } from '../../src/hardware/barcode/barcode-scanner.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { createDevices, type Devices } from '../../src/hardware/create-devices.js';
import type { SimulatedGpio } from '../../src/hardware/gpio/simulated-gpio.js';
import type { SimulatedWorld } from '../../src/hardware/simulation/controls.js';
import { tagFrame } from '../../src/hardware/simulation/simulated-label.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { parseDeviceConfig } from '../../src/ops/config/load.js';
import type { DeviceConfig } from '../../src/ops/config/schema.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import type { KioskEvent } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { decisionRulesFrom } from '../../src/vision/decision-rules.js';
import { ScenarioClassifier } from '../../src/vision/scenario-classifier.js';
import { defaultConfigDocument } from '../support/kiosk-config.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

interface OutputChange {
  line: string;
  value: boolean;
}

/**
 * The deposit flow over the simulated kiosk's devices (the real drivers talking
 * to their protocol simulators: MT-SICS over an in-memory link, the serial
 * scanner, the MJPEG camera child) and a real SQLite file, driven step by step.
 */
class FlowRig {
  readonly clock = createSystemClock();
  readonly config: DeviceConfig;
  readonly devices: Devices;
  readonly world: SimulatedWorld;
  readonly gpio: SimulatedGpio;
  readonly store: SqliteEventStore;
  readonly flow: DepositFlow;
  readonly outputs: OutputChange[] = [];
  readonly states: DepositState[] = [];

  constructor(dir: TempDir) {
    const document = defaultConfigDocument() as Record<string, any>; // any: the test varies nested fields
    document.deposit = { stableTimeoutMs: 400, diverterPulseMs: 1, removalReminderMs: 2000 };
    document.hardware.scale = { kind: 'simulated', readingIntervalMs: 5, noiseGrams: 0 };
    document.hardware.camera = { kind: 'simulated', fps: 50 };
    delete document.simulation;
    this.config = parseDeviceConfig(document, 'test');
    const logger = createSilentLogger();
    this.devices = createDevices(this.config, this.clock, logger);
    if (!this.devices.world) throw new Error('expected a fully simulated world');
    this.world = this.devices.world;
    this.gpio = this.devices.gpio as SimulatedGpio;
    this.world.gpio.outputs.on('change', (change) => this.outputs.push(change));
    this.store = new SqliteEventStore(openDatabase(dir.file('kiosk.db'), logger), 'kiosk-1', this.clock);
    this.flow = new DepositFlow({
      devices: { ...this.devices, classifier: new ScenarioClassifier() },
      store: this.store,
      clock: this.clock,
      logger,
      settings: this.config.deposit,
      bins: this.config.bins,
      rules: decisionRulesFrom(this.config),
    });
    this.flow.on('state', (state) => this.states.push(state));
  }

  async start(): Promise<void> {
    for (const companion of this.devices.companions) await companion.start();
    const { gpio, scale, scanner, camera } = this.devices;
    const firstFrame = new Promise((resolve) => camera.once('frame', resolve));
    for (const device of [gpio, scale, scanner, camera]) await device.start();
    // The camera child is up once it streams; a kiosk is, long before its first consumer.
    await firstFrame;
    await this.flow.start();
  }

  async stop(): Promise<void> {
    await this.flow.stop();
    const { gpio, scale, scanner, camera } = this.devices;
    for (const device of [camera, scanner, scale, gpio]) await device.stop();
    for (const companion of this.devices.companions) await companion.stop();
    this.store.close();
  }

  place(label: string, grams: number, confidence = 0.95): void {
    this.world.camera.show(tagFrame(PLACEHOLDER_FRAME_JPEG, { label, confidence }));
    this.world.scale.setLoad(grams);
    this.world.gpio.setInput('item-present', true);
  }

  removeItem(): void {
    this.world.scale.setLoad(0);
    this.world.gpio.setInput('item-present', false);
  }

  /** A code shown to the scanner, resolved once the driver has delivered it. */
  async scan(code: string): Promise<Scan> {
    const delivered = new Promise<Scan>((resolve) => this.devices.scanner.once('scan', resolve));
    this.world.scanner.present(code);
    return delivered;
  }

  nextRecorded(): Promise<KioskEvent> {
    return new Promise((resolve) => this.flow.once('recorded', resolve));
  }

  wrote(line: string, value: boolean): boolean {
    return this.outputs.some((change) => change.line === line && change.value === value);
  }
}

describe('DepositFlow', () => {
  let dir: TempDir;
  let rig: FlowRig;
  beforeEach(async () => {
    dir = makeTempDir();
    rig = new FlowRig(dir);
    await rig.start();
  });
  afterEach(async () => {
    await rig.stop().catch(() => undefined);
    dir.remove();
  });

  it('accepts a cardboard carton: locks the door, records, pulses the carton diverter, then frees the door', async () => {
    await rig.scan('KC-AB12-CD34');
    const recorded = rig.nextRecorded();
    rig.place('cardboard', 250);
    await rig.scan('SF1400039871234');
    const event = await recorded;
    expect(event.type).toBe('deposit.accepted');
    if (event.type !== 'deposit.accepted') return;
    expect(event.payload).toMatchObject({ route: 'carton', label: 'cardboard', consumerCode: 'KC-AB12-CD34', reasons: [] });
    expect(event.payload.barcodes).toEqual([{ value: 'SF1400039871234', kind: 'waybill' }]);
    await waitFor(() => rig.wrote('diverter-carton', false), { description: 'diverter pulse' });
    rig.removeItem();
    await waitFor(() => rig.flow.state === 'idle', { description: 'back to idle' });
    expect(rig.states).toEqual(['idle', 'weighing', 'capturing', 'classifying', 'recording', 'routing', 'awaiting-removal', 'idle']);
    expect(rig.outputs.map((o) => `${o.line}=${o.value}`)).toEqual([
      'door-lock=false',
      'door-lock=true',
      'diverter-carton=true',
      'diverter-carton=false',
      'lamp-reject=false',
      'door-lock=false',
    ]);
  });

  it('hands a rejected item back: reject lamp on, door unlocked, no diverter moved', async () => {
    const recorded = rig.nextRecorded();
    rig.place('glass', 400);
    const event = await recorded;
    expect(event.type).toBe('deposit.rejected');
    await waitFor(() => rig.wrote('lamp-reject', true) && rig.flow.state === 'awaiting-removal', { description: 'item offered back' });
    expect(rig.outputs.some((o) => o.line.startsWith('diverter-'))).toBe(false);
    rig.removeItem();
    await waitFor(() => rig.flow.state === 'idle', { description: 'idle' });
    expect(rig.gpio.read('lamp-reject')).toBe(false);
  });

  it('rejects an item that never settles on the scale', async () => {
    const recorded = rig.nextRecorded();
    rig.place('cardboard', 250);
    // Someone keeps leaning on the platform: every reading is a fresh load change.
    const wobble = setInterval(() => rig.world.scale.setLoad(200 + Math.random() * 100), 2);
    const event = await recorded.finally(() => clearInterval(wobble));
    expect(event.type === 'deposit.rejected' && event.payload.reasons).toEqual(['no-stable-weight']);
    expect(event.type === 'deposit.rejected' && event.payload.weightGrams).toBeNull();
  });

  it('rejects an item that settles below the minimum weight as too light', async () => {
    const recorded = rig.nextRecorded();
    rig.place('paper', 1);
    const event = await recorded;
    expect(event.type === 'deposit.rejected' && event.payload.reasons).toEqual(['too-light']);
  });

  it('takes an item put in while the previous one was being routed, once the kiosk is free', async () => {
    const first = rig.nextRecorded();
    rig.place('cardboard', 250);
    await first;
    await waitFor(() => rig.wrote('diverter-carton', true), { description: 'first item diverted' });
    const second = new Promise<KioskEvent>((resolve) => {
      rig.flow.on('recorded', (event) => {
        if (event.seq === 2) resolve(event);
      });
    });
    // The first item drops into the bin and the next consumer's item lands before the flow is idle again.
    rig.removeItem();
    rig.place('plastic', 40);
    expect((await second).type).toBe('deposit.accepted');
  });

  it('attaches a waybill scanned just before the item to that item, and ignores a staff badge', async () => {
    await rig.scan('KS-TECH0001');
    await rig.scan('SF1400039879999');
    const recorded = rig.nextRecorded();
    rig.place('cardboard', 250);
    const event = await recorded;
    expect(event.type === 'deposit.accepted' && event.payload.barcodes).toEqual([{ value: 'SF1400039879999', kind: 'waybill' }]);
    expect(event.type === 'deposit.accepted' && event.payload.consumerCode).toBeNull();
  });

  it('forgets the consumer code once its session expires', async () => {
    await rig.scan('KC-0000-0LD0');
    (rig.flow as unknown as { consumerCode: { expiresAt: number } }).consumerCode.expiresAt = 0;
    const recorded = rig.nextRecorded();
    rig.place('plastic', 30);
    const event = await recorded;
    expect(event.type === 'deposit.accepted' && event.payload.consumerCode).toBeNull();
  });

  it('goes out of service and hands the item back when the store cannot record', async () => {
    rig.store.close(); // every write now fails
    rig.place('cardboard', 250);
    await waitFor(() => rig.flow.state === 'awaiting-removal', { description: 'item offered back' });
    expect(rig.wrote('door-lock', false)).toBe(true);
    expect(rig.outputs.some((o) => o.line.startsWith('diverter-') && o.value)).toBe(false);
    rig.removeItem();
    await waitFor(() => rig.flow.state === 'out-of-service', { description: 'out of service' });
    rig.place('cardboard', 250);
    expect(rig.flow.state).toBe('out-of-service');
  });

  it('finishes the deposit in progress when stopped, without waiting for the consumer', async () => {
    const recorded = rig.nextRecorded();
    rig.place('cardboard', 250);
    expect(rig.flow.state).not.toBe('idle'); // the visit began synchronously with the sensor edge
    await rig.flow.stop();
    const event = await recorded;
    expect(event.type).toBe('deposit.accepted');
    expect(rig.flow.state).toBe('stopped');
    expect(rig.gpio.read('door-lock')).toBe(false);
    expect(rig.store.stats().total).toBe(1);
  });
});

describe('DepositFlow with repeated sensor edges', () => {
  it('starts one visit per item, however many rising edges report it', async () => {
    const dir = makeTempDir();
    const rig = new FlowRig(dir);
    await rig.start();
    try {
      const recorded = rig.nextRecorded();
      rig.place('cardboard', 250);
      // Debouncing is the GPIO layer's job; the flow must still not double-start on a repeated report.
      for (let i = 0; i < 5; i += 1) rig.gpio.emit('edge', { line: 'item-present', value: true, uptimeMs: rig.clock.uptimeMs() });
      await recorded;
      await waitFor(() => rig.flow.state === 'awaiting-removal' || rig.flow.state === 'idle', { description: 'visit done' });
      rig.removeItem();
      await waitFor(() => rig.flow.state === 'idle', { description: 'idle' });
      expect(rig.store.stats().total).toBe(1);
    } finally {
      await rig.stop();
      dir.remove();
    }
  });
});
