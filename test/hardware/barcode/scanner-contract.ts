import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BarcodeScanner, Scan } from '../../../src/hardware/barcode/barcode-scanner.js';
import type { BarcodeScannerSimulator } from '../../../src/hardware/barcode/barcode-scanner-simulator.js';
import type { KioskError } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * One contract for every BarcodeScanner: run against each driver wired to its
 * simulator (always), and against a real scanner when an environment variable
 * names one (then a person scans the codes it asks for).
 */
export interface ScannerRig {
  scanner: BarcodeScanner;
  /** Puts a code in front of the scanner: the simulator types it, or a person is asked to scan it. */
  present(code: string): Promise<void>;
  /** Simulator rigs only: fault injection and the cable. Hardware rigs leave it out and those cases are not registered. */
  simulator?: BarcodeScannerSimulator;
  /** Resolves once both ends are usable again after a replug (the simulator's own link may reopen later than the driver). */
  ready?(): Promise<void>;
  dispose(): Promise<void>;
}

export interface RigOptions {
  duplicateWindowMs: number;
}

export type RigFactory = (options: RigOptions) => Promise<ScannerRig>;

const WAYBILL = 'SF1400039871234';
const SESSION = 'KC-7Q2M-91XZ';

export function describeScannerContract(name: string, factory: RigFactory, options: { simulated: boolean; timeoutMs?: number }): void {
  const timeoutMs = options.timeoutMs ?? 10_000;

  describe(`BarcodeScanner contract: ${name}`, () => {
    let rig: ScannerRig | undefined;
    let scans: Scan[];
    let faults: KioskError[];
    let recoveries: number;

    async function setUp(rigOptions: RigOptions = { duplicateWindowMs: 60_000 }): Promise<ScannerRig> {
      rig = await factory(rigOptions);
      rig.scanner.on('scan', (scan) => scans.push(scan));
      rig.scanner.on('fault', (error) => faults.push(error));
      rig.scanner.on('recovered', () => (recoveries += 1));
      await rig.scanner.start();
      await rig.ready?.();
      return rig;
    }

    const scanned = (code: string, count = 1): Promise<Scan[]> =>
      waitFor(() => scans.filter((scan) => scan.code === code).length >= count && scans, { timeoutMs, description: `scan of ${code}` });

    beforeEach(() => {
      scans = [];
      faults = [];
      recoveries = 0;
    });

    afterEach(async () => {
      await rig?.scanner.stop();
      await rig?.dispose();
      rig = undefined;
    });

    it('starts running, with no fault, while the scanner is connected', async () => {
      const { scanner } = await setUp();
      expect(scanner.health()).toEqual({ state: 'running' });
      expect(faults).toEqual([]);
    });

    it('delivers a presented code once, decoded, with the uptime it was read at', async () => {
      const { scanner, present } = await setUp();
      await present(WAYBILL);
      await scanned(WAYBILL);
      await present(SESSION);
      await scanned(SESSION);
      expect(scans.map((scan) => [scan.code, scan.decoded.kind])).toEqual([
        [WAYBILL, 'waybill'],
        [SESSION, 'consumer-session'],
      ]);
      expect(scans[0]?.decoded).toMatchObject({ carrier: 'sf-express' });
      expect(scans[0]?.uptimeMs).toBeGreaterThanOrEqual(0);
      expect(scanner.stats()).toMatchObject({ scans: 2 });
    });

    it('drops the same code presented again within the duplicate window', async () => {
      const { scanner, present } = await setUp({ duplicateWindowMs: 60_000 });
      await present(WAYBILL);
      await scanned(WAYBILL);
      await present(WAYBILL);
      await present(SESSION);
      await scanned(SESSION);
      await waitFor(() => scanner.stats().duplicates === 1, { timeoutMs, description: 'the repeat counted as a duplicate' });
      expect(scans.map((scan) => scan.code)).toEqual([WAYBILL, SESSION]);
    });

    it('delivers every read when the duplicate window is 0', async () => {
      const { present } = await setUp({ duplicateWindowMs: 0 });
      await present(WAYBILL);
      await scanned(WAYBILL);
      await present(WAYBILL);
      await scanned(WAYBILL, 2);
    });

    it('stops (health "stopped") and reads again after a new start', async () => {
      const { scanner, present } = await setUp();
      await scanner.stop();
      expect(scanner.health().state).toBe('stopped');
      await scanner.start();
      await rig?.ready?.();
      expect(scanner.health().state).toBe('running');
      await present(SESSION);
      await scanned(SESSION);
      expect(faults).toEqual([]);
    });

    if (!options.simulated) return;

    it('discards garbage and an overlong read, counts them, and still reads the next code', async () => {
      const { scanner, simulator, present } = await setUp();
      await simulator?.sendRaw(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x0d, 0x0a, 0x00, 0x80, 0x0d, 0x0a, 0xc3, 0x28, 0x0d]));
      await simulator?.presentOverlong(3000);
      await present(WAYBILL);
      await scanned(WAYBILL);
      expect(scans.map((scan) => scan.code)).toEqual([WAYBILL]);
      expect(scanner.stats().badFrames).toBeGreaterThanOrEqual(2);
    });

    it('reports an unplug once (E102), recovers on replug without a restart, and reads again', async () => {
      const { scanner, simulator, present } = await setUp();
      await present(WAYBILL);
      await scanned(WAYBILL);
      await simulator?.unplug();
      await waitFor(() => faults.length > 0, { timeoutMs, description: 'fault after unplug' });
      expect(scanner.health().state).toBe('faulted');
      expect(faults[0]?.code).toBe(102);
      await simulator?.replug();
      await waitFor(() => recoveries === 1, { timeoutMs, description: 'recovered after replug' });
      await rig?.ready?.();
      expect(faults).toHaveLength(1);
      expect(scanner.health()).toEqual({ state: 'running' });
      await present(SESSION);
      await scanned(SESSION);
    });

    it('starts faulted while unplugged and recovers when the scanner is plugged in', async () => {
      rig = await factory({ duplicateWindowMs: 60_000 });
      const { scanner, simulator, present } = rig;
      scanner.on('scan', (scan) => scans.push(scan));
      scanner.on('fault', (error) => faults.push(error));
      scanner.on('recovered', () => (recoveries += 1));
      await simulator?.unplug();
      await scanner.start();
      await waitFor(() => faults.length === 1, { timeoutMs, description: 'fault while unplugged' });
      await simulator?.replug();
      await waitFor(() => recoveries === 1, { timeoutMs, description: 'recovered once plugged in' });
      await rig.ready?.();
      await present(WAYBILL);
      await scanned(WAYBILL);
      expect(faults).toHaveLength(1);
    });
  });
}
