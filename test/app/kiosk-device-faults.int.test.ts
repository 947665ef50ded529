import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kiosk } from '../../src/app/kiosk.js';
import type { Scan } from '../../src/hardware/barcode/barcode-scanner.js';
import { SerialScannerSimulator } from '../../src/hardware/barcode/serial-scanner-simulator.js';
import type { MjpegProcessCamera } from '../../src/hardware/camera/mjpeg-process-camera.js';
import type { MtSicsSimulator } from '../../src/hardware/scale/mt-sics-simulator.js';
import { SerialPortLink } from '../../src/hardware/serial/serial-port-link.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import type { DeviceConfigInput } from '../../src/ops/config/schema.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent } from '../../src/protocol/events.js';
import { defaultConfigDocument, writeTestKiosk } from '../support/kiosk-config.js';
import { PtyPair } from '../support/pty-pair.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** The whole simulated kiosk in-process: a scale that stops answering becomes events, and so does its return. */
describe('device faults reach the outbox', () => {
  let dir: TempDir;
  let kiosk: Kiosk | undefined;
  let pty: PtyPair | undefined;
  let scanner: SerialScannerSimulator | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await kiosk?.stop();
    await scanner?.stop();
    await pty?.dispose();
    kiosk = undefined;
    scanner = undefined;
    pty = undefined;
    dir.remove();
  });

  function storedEvents(): KioskEvent[] {
    return kiosk!.store.pending(0, 1000, 1 << 24).map((row) => KioskEvent.parse(JSON.parse(row.body)));
  }

  /** The simulated test kiosk with some hardware replaced, offline, without a scenario: the test drives the world. */
  async function startKiosk(hardware: Partial<DeviceConfigInput['hardware']> = {}): Promise<Kiosk> {
    const base = defaultConfigDocument();
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 10 }] },
      overrides: { hardware: { ...base.hardware, scale: { kind: 'simulated', readingIntervalMs: 5, noiseGrams: 0.1 }, ...hardware } },
    });
    // No scenario (it would need every device simulated, and the test drives the world itself).
    const document = JSON.parse(readFileSync(files.configFile, 'utf8')) as { simulation?: unknown };
    delete document.simulation;
    writeFileSync(files.configFile, JSON.stringify(document));
    const { config } = loadDeviceConfig(files.configFile);
    kiosk = new Kiosk({ config, clock: createSystemClock(), logger: createSilentLogger() });
    await kiosk.start();
    return kiosk;
  }

  /** The first fault and the first recovery recorded for `device`, once both are in the outbox. */
  async function faultAndRecovery(device: string): Promise<{ fault: KioskEvent; recovered: KioskEvent }> {
    const fault = await waitFor(() => storedEvents().find((e) => e.type === 'device.fault' && e.payload.device === device), {
      description: `device.fault for ${device}`,
    });
    const recovered = await waitFor(() => storedEvents().find((e) => e.type === 'device.recovered' && e.payload.device === device), {
      description: `device.recovered for ${device}`,
    });
    return { fault, recovered };
  }

  it('records device.fault when the scale goes silent and device.recovered when it answers again', async () => {
    // Nothing listens on port 1: the kiosk runs offline, which is all this test needs.
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 10 }] },
    });
    const { config } = loadDeviceConfig(files.configFile);
    delete (config as { simulation?: unknown }).simulation; // no scenario: the test drives the world itself
    kiosk = new Kiosk({ config, clock: createSystemClock(), logger: createSilentLogger() });
    await kiosk.start();
    const scaleSimulator = kiosk.devices.world!.scale as MtSicsSimulator;

    scaleSimulator.setSilent(true);
    const fault = await waitFor(() => storedEvents().find((e) => e.type === 'device.fault'), { description: 'device.fault event' });
    expect(fault.payload).toMatchObject({ device: 'scale', code: 101 });
    expect(kiosk.faults.faulted()).toEqual(['scale']);

    scaleSimulator.setSilent(false);
    const recovered = await waitFor(() => storedEvents().find((e) => e.type === 'device.recovered'), { description: 'device.recovered event' });
    expect(recovered.payload).toMatchObject({ device: 'scale' });
    expect(recovered.seq).toBeGreaterThan(fault.seq);
    expect(kiosk.faults.faulted()).toEqual([]);
  });
  it('records device.fault when the serial barcode scanner is unplugged and device.recovered when it is back', async () => {
    pty = await PtyPair.create();
    const deviceEnd = new SerialPortLink({ path: pty.devicePath, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, logger: createSilentLogger() });
    scanner = new SerialScannerSimulator({
      link: deviceEnd,
      suffix: 'CR',
      logger: createSilentLogger(),
      cable: pty,
    });
    await scanner.start();
    const k = await startKiosk({ barcode: { kind: 'serial', path: pty.driverPath, suffix: 'CR', reconnect: { initialMs: 20, maxMs: 200 } } });
    expect(k.devices.scanner.health().state).toBe('running');

    await scanner.unplug(); // the USB cable is pulled: the port and its by-id path vanish
    await waitFor(() => storedEvents().some((e) => e.type === 'device.fault'), { description: 'device.fault event' });
    expect(k.faults.faulted()).toEqual(['barcode']);
    await scanner.replug();
    const { fault, recovered } = await faultAndRecovery('barcode');
    expect(fault.payload).toMatchObject({ device: 'barcode', code: 102 });
    expect(recovered.payload).toMatchObject({ device: 'barcode', faultedForMs: expect.any(Number) });
    expect(recovered.seq).toBeGreaterThan(fault.seq);
    expect(k.faults.faulted()).toEqual([]);
    expect(storedEvents().filter((e) => e.type === 'device.fault')).toHaveLength(1);

    // The same process reads scans again, from the replugged port.
    const scans: Scan[] = [];
    k.devices.scanner.on('scan', (scan) => scans.push(scan));
    await waitFor(() => deviceEnd.isOpen, { description: "the scanner's end reopened" });
    scanner.present('SF1400039871234');
    await waitFor(() => scans.length === 1, { description: 'a scan after the replug' });
    expect(scans[0]).toMatchObject({ code: 'SF1400039871234' });
  });

  it('records device.fault when the camera process is killed and device.recovered when its restart delivers frames', async () => {
    const k = await startKiosk({ camera: { kind: 'simulated', reconnect: { initialMs: 20, maxMs: 200 } } });
    const camera = k.devices.camera as MjpegProcessCamera;
    await waitFor(() => camera.latestFrame(), { description: 'camera frames' });
    const pid = camera.pid!;

    process.kill(pid, 'SIGKILL');
    const { fault, recovered } = await faultAndRecovery('camera');
    expect(fault.payload).toMatchObject({ device: 'camera', code: 102 });
    expect(recovered.payload).toMatchObject({ device: 'camera', faultedForMs: expect.any(Number) });
    expect(recovered.seq).toBeGreaterThan(fault.seq);
    expect(camera.pid).not.toBe(pid);
    expect(k.faults.faulted()).toEqual([]);
    expect(storedEvents().filter((e) => e.type === 'device.fault')).toHaveLength(1);
  });
});
