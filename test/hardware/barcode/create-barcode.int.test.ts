import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scan } from '../../../src/hardware/barcode/barcode-scanner.js';
import { createBarcodeScanner, type BarcodeDevice } from '../../../src/hardware/barcode/create-barcode.js';
import { HidBarcodeScanner } from '../../../src/hardware/barcode/hid-barcode-scanner.js';
import { HidScannerSimulator } from '../../../src/hardware/barcode/hid-scanner-simulator.js';
import { unavailableInputControl } from '../../../src/hardware/barcode/input-device-control.js';
import { SerialBarcodeScanner } from '../../../src/hardware/barcode/serial-barcode-scanner.js';
import type { ScannerSimulatorControl } from '../../../src/hardware/simulation/controls.js';
import { BarcodeConfig } from '../../../src/ops/config/barcode-config.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { waitFor } from '../../support/wait-for.js';

const deps = { clock: createSystemClock(), logger: createSilentLogger() };

describe('createBarcodeScanner', () => {
  let built: BarcodeDevice | undefined;
  afterEach(async () => {
    await built?.device.stop();
    await built?.simulator?.stop();
    built = undefined;
  });

  it('builds the serial driver for kind "serial", with no simulator', () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'serial', path: '/dev/ttyACM9' }), deps);
    expect(built.device).toBeInstanceOf(SerialBarcodeScanner);
    expect(built.simulator).toBeUndefined();
  });

  it('builds the HID driver for kind "hid", with no simulator', () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'hid', path: '/dev/input/event9' }), { ...deps, inputControl: unavailableInputControl('test') });
    expect(built.device).toBeInstanceOf(HidBarcodeScanner);
    expect(built.simulator).toBeUndefined();
  });

  it('hands out a simulator the scenario player can drive (ScannerSimulatorControl)', () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'simulated' }), deps);
    const control: ScannerSimulatorControl | undefined = built.simulator;
    expect(typeof control?.present).toBe('function');
  });

  it('kind "simulated" (serial): the real serial driver over an in-memory link; nothing arrives once the driver is stopped', async () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'simulated' }), deps);
    const { device, simulator } = built;
    expect(device).toBeInstanceOf(SerialBarcodeScanner);
    const scans: Scan[] = [];
    device.on('scan', (scan) => scans.push(scan));
    await simulator?.start();
    await device.start();
    await simulator?.present('KC-7Q2M-91XZ');
    await waitFor(() => scans.length === 1, { description: 'scan' });
    expect(scans[0]?.decoded).toEqual({ kind: 'consumer-session', data: 'KC-7Q2M-91XZ', session: 'KC-7Q2M-91XZ' });
    await device.stop();
    await simulator?.present('SF1400039871234');
    // MemoryLink delivers on the next turn of the event loop; two turns later it would have arrived.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans).toHaveLength(1);
  });

  it('kind "simulated" (hid): the real HID driver on a FIFO in a private temp dir, removed on stop', async () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'simulated', mode: 'hid' }), deps);
    const { device, simulator } = built;
    expect(device).toBeInstanceOf(HidBarcodeScanner);
    const scans: Scan[] = [];
    device.on('scan', (scan) => scans.push(scan));
    await simulator?.start();
    await device.start();
    await simulator?.present('SF1400039871234');
    await waitFor(() => scans.length === 1, { description: 'scan' });
    expect(scans[0]?.decoded).toMatchObject({ kind: 'waybill', carrier: 'sf-express' });
    await device.stop();
    const path = (device as unknown as { options: { path: string } }).options.path;
    expect(existsSync(path)).toBe(true);
    await simulator?.stop();
    expect(existsSync(dirname(path))).toBe(false);
    built = undefined;
  });

  it('the simulators resolve present() with false instead of rejecting when the cable is out', async () => {
    built = createBarcodeScanner(BarcodeConfig.parse({ kind: 'simulated' }), deps);
    await built.simulator?.start();
    await built.simulator?.unplug();
    await expect(built.simulator?.present('KC-7Q2M-91XZ')).resolves.toBe(false);
    const hid = new HidScannerSimulator({ path: '/nonexistent/kiosk/event-kbd', logger: deps.logger });
    await expect(hid.present('KC-7Q2M-91XZ')).resolves.toBe(false);
  });
});
