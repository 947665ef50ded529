import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HidBarcodeScanner } from '../../../src/hardware/barcode/hid-barcode-scanner.js';
import { HidScannerSimulator } from '../../../src/hardware/barcode/hid-scanner-simulator.js';
import { createBarcodeScanner } from '../../../src/hardware/barcode/create-barcode.js';
import { loadInputDeviceControl } from '../../../src/hardware/barcode/input-device-control.js';
import { SerialBarcodeScanner } from '../../../src/hardware/barcode/serial-barcode-scanner.js';
import { SerialScannerSimulator } from '../../../src/hardware/barcode/serial-scanner-simulator.js';
import { SerialPortLink } from '../../../src/hardware/serial/serial-port-link.js';
import { BarcodeConfig, BarcodeDecodingConfig } from '../../../src/ops/config/barcode-config.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { PtyPair } from '../../support/pty-pair.js';
import { waitFor } from '../../support/wait-for.js';
import { describeScannerContract, type RigFactory } from './scanner-contract.js';

const clock = createSystemClock();
const logger = createSilentLogger();
const decoding = BarcodeDecodingConfig.parse({});
const reconnect = { initialMs: 20, maxMs: 200 };

/** The real serial driver on a real PTY, the simulator on its other end. */
const serialOverPty: RigFactory = async ({ duplicateWindowMs }) => {
  const pty = await PtyPair.create();
  const link = (path: string): SerialPortLink => new SerialPortLink({ path, baudRate: 115200, reconnect, presenceCheckMs: 50, logger });
  const driverLink = link(pty.driverPath);
  const deviceLink = link(pty.devicePath);
  const scanner = new SerialBarcodeScanner({ link: driverLink, suffix: 'CR', interByteTimeoutMs: 200, duplicateWindowMs, maxCodeLength: 512, decoding, clock, logger });
  // Pulling the cable is over once the scanner itself has noticed; a quick replug must not leave it writing into a dead PTY.
  const cable = {
    unplug: async () => {
      await pty.unplug();
      await waitFor(() => !deviceLink.isOpen, { timeoutMs: 10_000, description: 'the simulator end saw the unplug' });
    },
    replug: () => pty.replug(),
  };
  const simulator = new SerialScannerSimulator({ link: deviceLink, suffix: 'CR', logger, cable });
  await simulator.start();
  return {
    scanner,
    simulator,
    present: async (code) => {
      if (!(await simulator.present(code))) throw new Error('simulator could not send');
    },
    ready: () => waitFor(() => driverLink.isOpen && deviceLink.isOpen, { timeoutMs: 10_000, description: 'both ends of the PTY open' }).then(() => undefined),
    dispose: async () => {
      await simulator.stop();
      await pty.dispose();
    },
  };
};

/** The real HID driver reading a real kernel FIFO that the HID simulator writes input events into. */
const hidOverFifo: RigFactory = async ({ duplicateWindowMs }) => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-hid-test-'));
  const path = join(dir, 'event-kbd');
  const simulator = new HidScannerSimulator({ path, logger });
  await simulator.start();
  const scanner = new HidBarcodeScanner({
    path,
    grab: true,
    control: loadInputDeviceControl(),
    duplicateWindowMs,
    maxCodeLength: 512,
    decoding,
    reconnect,
    clock,
    logger,
  });
  return {
    scanner,
    simulator,
    present: async (code) => {
      if (!(await simulator.present(code))) throw new Error('simulator could not send');
    },
    dispose: async () => {
      await simulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** What the kiosk builds for kind "simulated": the same drivers, wired by the factory. */
function fromFactory(mode: 'serial' | 'hid'): RigFactory {
  return async ({ duplicateWindowMs }) => {
    const config = BarcodeConfig.parse({ kind: 'simulated', mode, duplicateWindowMs, reconnect });
    const { device, simulator } = createBarcodeScanner(config, { clock, logger });
    if (!simulator) throw new Error('simulated kind without simulator');
    await simulator.start();
    return {
      scanner: device,
      simulator,
      present: async (code) => {
        if (!(await simulator.present(code))) throw new Error('simulator could not send');
      },
      dispose: () => simulator.stop(),
    };
  };
}

describeScannerContract('serial driver + simulator over a real PTY', serialOverPty, { simulated: true });
describeScannerContract('HID driver + simulator over a real FIFO', hidOverFifo, { simulated: true });
describeScannerContract('factory, kind "simulated", mode "serial" (MemoryLink)', fromFactory('serial'), { simulated: true });
describeScannerContract('factory, kind "simulated", mode "hid" (FIFO)', fromFactory('hid'), { simulated: true });

/**
 * A real scanner, when one is named: KIOSK_TEST_SCANNER_SERIAL=/dev/serial/by-id/...
 * (suffix from KIOSK_TEST_SCANNER_SUFFIX, default CR) or KIOSK_TEST_SCANNER_HID=/dev/input/by-id/...-event-kbd.
 * A person scans the codes the test asks for on stderr.
 */
const askPerson = async (code: string): Promise<void> => {
  process.stderr.write(`\n>>> scan a barcode that reads: ${code}\n`);
};
const hardwareSerial = process.env.KIOSK_TEST_SCANNER_SERIAL;
const hardwareHid = process.env.KIOSK_TEST_SCANNER_HID;
if (hardwareSerial) {
  const suffix = BarcodeConfig.parse({ kind: 'serial', path: hardwareSerial, suffix: process.env.KIOSK_TEST_SCANNER_SUFFIX ?? 'CR' });
  describeScannerContract(
    `real serial scanner at ${hardwareSerial}`,
    async (options) => {
      const { device } = createBarcodeScanner({ ...(suffix as Extract<BarcodeConfig, { kind: 'serial' }>), ...options }, { clock, logger });
      return { scanner: device, present: askPerson, dispose: async () => undefined };
    },
    { simulated: false, timeoutMs: 60_000 },
  );
}
if (hardwareHid) {
  describeScannerContract(
    `real HID scanner at ${hardwareHid}`,
    async (options) => {
      const config = BarcodeConfig.parse({ kind: 'hid', path: hardwareHid, ...options });
      const { device } = createBarcodeScanner(config, { clock, logger });
      return { scanner: device, present: askPerson, dispose: async () => undefined };
    },
    { simulated: false, timeoutMs: 60_000 },
  );
}
