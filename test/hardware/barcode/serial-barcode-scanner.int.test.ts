import { afterEach, describe, expect, it } from 'vitest';
import type { Scan } from '../../../src/hardware/barcode/barcode-scanner.js';
import { SerialBarcodeScanner } from '../../../src/hardware/barcode/serial-barcode-scanner.js';
import { SerialScannerSimulator } from '../../../src/hardware/barcode/serial-scanner-simulator.js';
import { SerialPortLink } from '../../../src/hardware/serial/serial-port-link.js';
import { BarcodeDecodingConfig, type BarcodeSuffix } from '../../../src/ops/config/barcode-config.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import type { KioskError } from '../../../src/ops/errors.js';
import { PtyPair } from '../../support/pty-pair.js';
import { waitFor } from '../../support/wait-for.js';
import { captureLogs } from './log-capture.js';

const GS = '\u001d';

describe('SerialBarcodeScanner (real driver) and SerialScannerSimulator over a real PTY', () => {
  let pty: PtyPair | undefined;
  let scanner: SerialBarcodeScanner | undefined;
  let simulator: SerialScannerSimulator | undefined;

  afterEach(async () => {
    await scanner?.stop();
    await simulator?.stop();
    await pty?.dispose();
    scanner = undefined;
    simulator = undefined;
    pty = undefined;
  });

  async function rig(options: { suffix?: BarcodeSuffix; interByteTimeoutMs?: number; duplicateWindowMs?: number; simulatorSuffix?: BarcodeSuffix } = {}) {
    const { logger, lines } = captureLogs();
    pty = await PtyPair.create();
    const link = (path: string): SerialPortLink =>
      new SerialPortLink({ path, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger });
    const driverLink = link(pty.driverPath);
    const deviceLink = link(pty.devicePath);
    const suffix = options.suffix ?? 'CR';
    scanner = new SerialBarcodeScanner({
      link: driverLink,
      suffix,
      interByteTimeoutMs: options.interByteTimeoutMs ?? 100,
      duplicateWindowMs: options.duplicateWindowMs ?? 0,
      maxCodeLength: 512,
      decoding: BarcodeDecodingConfig.parse({}),
      clock: createSystemClock(),
      logger,
    });
    const pair = pty;
    simulator = new SerialScannerSimulator({
      link: deviceLink,
      suffix: options.simulatorSuffix ?? suffix,
      logger,
      cable: {
        unplug: async () => {
          await pair.unplug();
          await waitFor(() => !deviceLink.isOpen, { description: 'simulator end saw the unplug' });
        },
        replug: () => pair.replug(),
      },
    });
    const scans: Scan[] = [];
    const faults: KioskError[] = [];
    let recoveries = 0;
    scanner.on('scan', (scan) => scans.push(scan));
    scanner.on('fault', (error) => faults.push(error));
    scanner.on('recovered', () => (recoveries += 1));
    await simulator.start();
    await scanner.start();
    const ready = () => waitFor(() => driverLink.isOpen && deviceLink.isOpen, { description: 'both PTY ends open' });
    await ready();
    return {
      scanner,
      simulator,
      driverLink,
      scans,
      faults,
      recoveries: () => recoveries,
      ready,
      lines,
      codes: () => scans.map((scan) => scan.code),
      waitForCodes: (count: number) => waitFor(() => scans.length >= count && scans.map((scan) => scan.code), { description: `${count} scans` }),
    };
  }

  it.each<BarcodeSuffix>(['CR', 'LF', 'CRLF'])('reads codes ended by %s', async (suffix) => {
    const { simulator, waitForCodes } = await rig({ suffix, interByteTimeoutMs: 0 });
    await simulator.present('SF1400039871234');
    await simulator.present(`]C10109506000134352${'10LOT7'}${GS}17260331`);
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(3)).toEqual(['SF1400039871234', `]C10109506000134352${'10LOT7'}${GS}17260331`, 'KC-7Q2M-91XZ']);
  });

  it('keeps an LF inside a code under CR framing (a multi-line QR code)', async () => {
    const { simulator, waitForCodes } = await rig({ suffix: 'CR', interByteTimeoutMs: 0 });
    await simulator.present('first line\nsecond line');
    expect(await waitForCodes(1)).toEqual(['first line\nsecond line']);
  });

  it('decodes what it reads', async () => {
    const { simulator, scans, waitForCodes } = await rig();
    await simulator.present(`]C10109506000134352${'10LOT7'}${GS}17260331`);
    await simulator.present(']C10109506000134353');
    await waitForCodes(2);
    expect(scans[0]?.decoded).toMatchObject({ kind: 'gs1', elements: [{ ai: '01' }, { ai: '10', value: 'LOT7' }, { ai: '17', date: '2026-03-31' }] });
    expect(scans[1]?.decoded).toMatchObject({ kind: 'unknown', gs1Problem: { reason: 'check-digit', ai: '01' } });
  });

  it('delivers a code without suffix once the line has been quiet for interByteTimeoutMs', async () => {
    const { simulator, waitForCodes } = await rig({ interByteTimeoutMs: 100 });
    await simulator.present('SF1400039871234', { terminate: false });
    expect(await waitForCodes(1)).toEqual(['SF1400039871234']);
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(2)).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ']);
  });

  it('assembles a code that trickles in byte by byte, and one sent in uneven pieces', async () => {
    const { simulator, waitForCodes } = await rig({ interByteTimeoutMs: 5000 });
    await simulator.present('SF1400039871234', { chunkSize: 1, chunkDelayMs: 2 });
    await simulator.present('https://app.example.cn/s/KC-7Q2M-91XZ', { chunkSize: 7 });
    expect(await waitForCodes(2)).toEqual(['SF1400039871234', 'https://app.example.cn/s/KC-7Q2M-91XZ']);
  });

  it('reads a code whose CRLF arrives split between CR and LF', async () => {
    const { simulator, waitForCodes } = await rig({ suffix: 'CRLF', interByteTimeoutMs: 5000 });
    await simulator.sendRaw(Buffer.from('SF1400039871234\r'));
    await simulator.sendRaw(Buffer.from('\nKC-7Q2M-91XZ\r\n'));
    expect(await waitForCodes(2)).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ']);
  });

  it('discards garbage, logs it in hex and counts it, then reads the next good code', async () => {
    const { scanner, simulator, waitForCodes, lines } = await rig({ interByteTimeoutMs: 0 });
    await simulator.sendRaw(Buffer.from([0x00, 0xff, 0x41, 0x0d, 0xc3, 0x28, 0x0d, 0x1b, 0x5b, 0x32, 0x4a, 0x0d]));
    await simulator.present('SF1400039871234');
    expect(await waitForCodes(1)).toEqual(['SF1400039871234']);
    expect(scanner.stats()).toMatchObject({ scans: 1, badFrames: 3, discardedBytes: 9 });
    const warnings = lines().filter((line) => line.msg === 'scanner input discarded');
    expect(warnings.map((line) => [line.reason, line.hex])).toEqual([
      ['invalid-utf8', '00ff41'],
      ['invalid-utf8', 'c328'],
      ['control-character', '1b5b324a'],
    ]);
  });

  it('drops an overlong read (bounded) and reads the next code', async () => {
    const { scanner, simulator, waitForCodes } = await rig({ interByteTimeoutMs: 0 });
    await simulator.presentOverlong(5000);
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
    expect(scanner.stats().badFrames).toBeGreaterThanOrEqual(1);
    expect(scanner.stats().discardedBytes).toBeGreaterThanOrEqual(5000);
  });

  it('drops the same code read again within the duplicate window', async () => {
    const { scanner, simulator, waitForCodes } = await rig({ duplicateWindowMs: 60_000 });
    await simulator.present('SF1400039871234');
    await simulator.present('SF1400039871234');
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(2)).toEqual(['SF1400039871234', 'KC-7Q2M-91XZ']);
    expect(scanner.stats().duplicates).toBe(1);
  });

  it('on unplug: one fault (E102), half a code is dropped, and after replug it recovers and reads clean codes', async () => {
    const { scanner, simulator, driverLink, faults, recoveries, ready, waitForCodes, codes } = await rig({ interByteTimeoutMs: 0 });
    let received = 0;
    driverLink.on('data', (chunk) => (received += chunk.length));
    await simulator.sendRaw(Buffer.from('SF14000'));
    await waitFor(() => received === 7, { description: 'half a code at the driver' });
    await simulator.unplug();
    await waitFor(() => faults.length === 1, { description: 'fault after unplug' });
    expect(faults[0]?.code).toBe(102);
    expect(scanner.health().state).toBe('faulted');
    await simulator.replug();
    await waitFor(() => recoveries() === 1, { description: 'recovered' });
    await ready();
    await simulator.present('KC-7Q2M-91XZ');
    expect(await waitForCodes(1)).toEqual(['KC-7Q2M-91XZ']);
    expect(faults).toHaveLength(1);
    expect(codes()).toEqual(['KC-7Q2M-91XZ']);
    expect(scanner.stats()).toMatchObject({ badFrames: 1, discardedBytes: 7 });
  });

  it('survives several unplug/replug cycles with one fault and one recovery each', async () => {
    const { simulator, faults, recoveries, ready, waitForCodes } = await rig({ interByteTimeoutMs: 0 });
    for (let cycle = 1; cycle <= 3; cycle += 1) {
      await simulator.unplug();
      await waitFor(() => faults.length === cycle, { description: `fault ${cycle}` });
      await simulator.replug();
      await waitFor(() => recoveries() === cycle, { description: `recovery ${cycle}` });
      await ready();
      await simulator.present(`SF14000398712${cycle}0`);
      await waitForCodes(cycle);
    }
    expect(faults).toHaveLength(3);
  });

  it('releases the port on stop, so the kiosk (or a technician) can open it again', async () => {
    const { scanner } = await rig();
    await scanner.stop();
    const other = new SerialPortLink({ path: pty!.driverPath, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, logger: captureLogs().logger });
    try {
      await other.start();
      expect(other.isOpen).toBe(true);
    } finally {
      await other.close();
    }
  });
});
