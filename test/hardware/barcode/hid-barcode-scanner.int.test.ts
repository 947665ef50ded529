import { afterEach, describe, expect, it } from 'vitest';
import type { Scan } from '../../../src/hardware/barcode/barcode-scanner.js';
import { EV_KEY, EV_SYN, KEY_PRESS, KEY_RELEASE, type InputEvent } from '../../../src/hardware/barcode/evdev.js';
import { HidBarcodeScanner } from '../../../src/hardware/barcode/hid-barcode-scanner.js';
import { HidScannerSimulator } from '../../../src/hardware/barcode/hid-scanner-simulator.js';
import {
  ioctlInputControl,
  loadInputDeviceControl,
  type InputDeviceControl,
  type IoctlFunction,
} from '../../../src/hardware/barcode/input-device-control.js';
import { KEY } from '../../../src/hardware/barcode/us-keymap.js';
import { BarcodeDecodingConfig } from '../../../src/ops/config/barcode-config.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import type { KioskError } from '../../../src/ops/errors.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { captureLogs } from './log-capture.js';

const GS = '\u001d';
const t = { seconds: 1_763_900_000, microseconds: 0 };
const key = (code: number, value: number): InputEvent => ({ ...t, type: EV_KEY, code, value });
const tap = (code: number): InputEvent[] => [key(code, KEY_PRESS), key(code, KEY_RELEASE)];

describe('HidBarcodeScanner (real driver) reading a real FIFO fed by HidScannerSimulator', () => {
  let dir: TempDir | undefined;
  let scanner: HidBarcodeScanner | undefined;
  let simulator: HidScannerSimulator | undefined;

  afterEach(async () => {
    await scanner?.stop();
    await simulator?.stop();
    dir?.remove();
    scanner = undefined;
    simulator = undefined;
    dir = undefined;
  });

  function driver(path: string, options: { control?: InputDeviceControl; grab?: boolean; duplicateWindowMs?: number } = {}) {
    const logs = captureLogs();
    const created = new HidBarcodeScanner({
      path,
      grab: options.grab ?? true,
      control: options.control ?? loadInputDeviceControl(),
      duplicateWindowMs: options.duplicateWindowMs ?? 0,
      maxCodeLength: 512,
      decoding: BarcodeDecodingConfig.parse({}),
      reconnect: { initialMs: 20, maxMs: 200 },
      clock: createSystemClock(),
      logger: logs.logger,
    });
    scanner = created;
    const scans: Scan[] = [];
    const faults: KioskError[] = [];
    let recoveries = 0;
    created.on('scan', (scan) => scans.push(scan));
    created.on('fault', (error) => faults.push(error));
    created.on('recovered', () => (recoveries += 1));
    return {
      scanner: created,
      scans,
      faults,
      recoveries: () => recoveries,
      lines: logs.lines,
      waitForCodes: (count: number) => waitFor(() => scans.length >= count && scans.map((scan) => scan.code), { description: `${count} scans` }),
    };
  }

  async function rig(options: { grab?: boolean; duplicateWindowMs?: number } = {}) {
    dir = makeTempDir('kiosk-hid-');
    const path = dir.file('event-kbd');
    simulator = new HidScannerSimulator({ path, logger: captureLogs().logger });
    await simulator.start();
    const parts = driver(path, options);
    await parts.scanner.start();
    return { ...parts, simulator, path };
  }

  it('reads codes typed with Shift, symbols and Ctrl+] (GS), and decodes them', async () => {
    const { simulator, scans, waitForCodes } = await rig();
    const gs1 = `]C10109506000134352${'10LOT7'}${GS}17260331`;
    await simulator.present('SF1400039871234');
    await simulator.present('https://app.example.cn/s/KC-7Q2M-91XZ');
    await simulator.present(gs1);
    expect(await waitForCodes(3)).toEqual(['SF1400039871234', 'https://app.example.cn/s/KC-7Q2M-91XZ', gs1]);
    expect(scans.map((scan) => scan.decoded.kind)).toEqual(['waybill', 'consumer-session', 'gs1']);
  });

  it('reads the same code however the 24-byte records are split across writes', async () => {
    const { simulator, waitForCodes } = await rig();
    await simulator.present('SF1400039871234', { chunkSize: 7 });
    await simulator.present('KC-7Q2M-91XZ', { chunkSize: 1, chunkDelayMs: 0 });
    await simulator.present('JDVA12345678901', { chunkSize: 25 });
    expect(await waitForCodes(3)).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ', 'JDVA12345678901']);
  });

  it('warns that it cannot grab a FIFO, and keeps working', async () => {
    const { simulator, lines, faults, waitForCodes } = await rig({ grab: true });
    await simulator.present('KC-7Q2M-91XZ');
    await waitForCodes(1);
    const warning = lines().find((line) => line.msg === 'cannot grab the scanner; its codes may also reach the console');
    expect(warning).toMatchObject({ level: 40 });
    expect(['unavailable', 'failed']).toContain(warning?.reason);
    expect(faults).toEqual([]);
  });

  it('skips junk bytes (logged in hex, counted) and reads the next code', async () => {
    const { scanner, simulator, lines, waitForCodes } = await rig();
    await simulator.sendRaw(Buffer.from('0badc0ffee', 'hex'));
    await simulator.present('SF1400039871234');
    expect(await waitForCodes(1)).toEqual(['SF1400039871234']);
    const discarded = lines().filter((line) => line.msg === 'scanner input discarded');
    expect(discarded[0]).toMatchObject({ reason: 'misaligned', hex: expect.stringMatching(/^0badc0ffee/) });
    expect(scanner.stats().badFrames).toBeGreaterThanOrEqual(1);
  });

  it('drops a code during which the kernel dropped events (SYN_DROPPED), reports an unmapped key, reads on', async () => {
    const { scanner, simulator, waitForCodes } = await rig();
    await simulator.present('SF14', { terminate: false });
    await simulator.sendEvents([{ ...t, type: EV_SYN, code: 3, value: 0 }]);
    await simulator.present('0003987', { terminate: true });
    await simulator.sendEvents(tap(KEY.F1));
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
    expect(scanner.stats().badFrames).toBe(2);
  });

  it('drops an overlong code and reads the next', async () => {
    const { scanner, simulator, waitForCodes } = await rig();
    await simulator.presentOverlong(2000);
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
    expect(scanner.stats().badFrames).toBe(1);
  });

  it('cannot type a character a US keyboard does not have: present() says so, nothing breaks', async () => {
    const { simulator, waitForCodes } = await rig();
    expect(await simulator.present('回收')).toBe(false);
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
  });

  it('on unplug (device node gone): one fault (E102), reopens with backoff, recovers, and the half-typed code is not carried over', async () => {
    const { scanner, simulator, faults, recoveries, waitForCodes } = await rig();
    await simulator.present('SF1400', { terminate: false });
    await simulator.unplug();
    await waitFor(() => faults.length === 1, { description: 'fault after unplug' });
    expect(faults[0]?.code).toBe(102);
    expect(scanner.health().state).toBe('faulted');
    await simulator.replug();
    await waitFor(() => recoveries() === 1, { description: 'recovered' });
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
    expect(faults).toHaveLength(1);
    expect(scanner.stats()).toMatchObject({ badFrames: 1, discardedBytes: 6 });
  });

  it('starts faulted when the device is missing, and recovers when it appears', async () => {
    dir = makeTempDir('kiosk-hid-');
    const path = dir.file('event-kbd');
    const { scanner: created, faults, recoveries, waitForCodes } = driver(path);
    await created.start();
    expect(faults.map((fault) => fault.code)).toEqual([102]);
    expect(faults[0]?.context).toMatchObject({ reason: 'cannot open: ENOENT' });
    simulator = new HidScannerSimulator({ path, logger: captureLogs().logger });
    await simulator.start();
    await waitFor(() => recoveries() === 1, { description: 'recovered' });
    await simulator.present('SF1400039871234');
    expect(await waitForCodes(1)).toEqual(['SF1400039871234']);
  });

  it('reads after stop and start again, with nothing lost to the stopped reader', async () => {
    const { scanner: created, simulator, waitForCodes } = await rig();
    await simulator.present('SF1400039871234');
    await waitForCodes(1);
    await created.stop();
    await created.start();
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(2)).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ']);
  });
});

describe('HidBarcodeScanner on character devices (the event-device read path)', () => {
  let scanner: HidBarcodeScanner | undefined;
  afterEach(async () => {
    await scanner?.stop();
    scanner = undefined;
  });

  function recordingControl(): { control: InputDeviceControl; calls: Array<[number, number, unknown]> } {
    const calls: Array<[number, number, unknown]> = [];
    const ioctl: IoctlFunction = (fd, request, argument) => {
      calls.push([fd, request, argument]);
      return 0;
    };
    return { control: ioctlInputControl(ioctl), calls };
  }

  function make(path: string, control: InputDeviceControl): { faults: KioskError[] } {
    const faults: KioskError[] = [];
    scanner = new HidBarcodeScanner({
      path,
      grab: true,
      control,
      duplicateWindowMs: 0,
      maxCodeLength: 512,
      decoding: BarcodeDecodingConfig.parse({}),
      reconnect: { initialMs: 10, maxMs: 50 },
      clock: createSystemClock(),
      logger: captureLogs().logger,
    });
    scanner.on('fault', (error) => faults.push(error));
    return { faults };
  }

  it('grabs an event device on open, and on stop releases it and revokes the pending read (/dev/zero: endless SYN_REPORTs)', async () => {
    const { control, calls } = recordingControl();
    const { faults } = make('/dev/zero', control);
    await scanner!.start();
    expect(scanner!.health().state).toBe('running');
    await scanner!.stop();
    const fd = calls[0]?.[0];
    expect(calls).toEqual([
      [fd, 0x40044590, 1],
      [fd, 0x40044590, 0],
      [fd, 0x40044591, 0],
    ]);
    expect(scanner!.stats()).toMatchObject({ scans: 0, badFrames: 0 });
    expect(faults).toEqual([]);
  });

  it('treats end of stream on an event device as the device gone, and keeps reopening it (/dev/null: opens, then ends at once)', async () => {
    const { control, calls } = recordingControl();
    const { faults } = make('/dev/null', control);
    let recoveries = 0;
    scanner!.on('recovered', () => (recoveries += 1));
    await scanner!.start();
    await waitFor(() => calls.filter(([, , argument]) => argument === 1).length >= 3, { description: 'three grabs: it keeps reopening' });
    // Each reopen works and then ends again: a flapping device, reported as such, one fault per loss.
    expect(faults.every((fault) => fault.code === 102 && fault.context.reason === 'end of stream')).toBe(true);
    expect(faults.length - recoveries).toBeGreaterThanOrEqual(0);
    expect(faults.length - recoveries).toBeLessThanOrEqual(1);
  });
});
