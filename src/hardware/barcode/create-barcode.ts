import { ErrorCode, KioskError } from '../../ops/errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BarcodeConfig } from '../../ops/config/barcode-config.js';
import type { Clock } from '../../ops/clock.js';
import type { Logger } from '../../ops/logger.js';
import { MemoryLink } from '../serial/memory-link.js';
import { SerialPortLink } from '../serial/serial-port-link.js';
import type { BarcodeScanner } from './barcode-scanner.js';
import type { BarcodeScannerSimulator } from './barcode-scanner-simulator.js';
import { HidBarcodeScanner } from './hid-barcode-scanner.js';
import { HidScannerSimulator } from './hid-scanner-simulator.js';
import { loadInputDeviceControl, unavailableInputControl, type InputDeviceControl } from './input-device-control.js';
import { SerialBarcodeScanner } from './serial-barcode-scanner.js';
import { SerialScannerSimulator } from './serial-scanner-simulator.js';

export interface BarcodeDevice {
  device: BarcodeScanner;
  /**
   * Present for kind "simulated": the scanner the real driver reads from.
   * Start it before the device and stop it after (the HID simulator's FIFO
   * must exist when the driver opens it, and its closing ends the driver's read).
   */
  simulator?: BarcodeScannerSimulator;
}

export interface BarcodeDeps {
  clock: Clock;
  logger: Logger;
  /** The ioctl seam for HID grab/revoke; loaded from the optional `ioctl` package by default. */
  inputControl?: InputDeviceControl;
}

/** Builds the scanner device-config asks for; "simulated" is the real driver wired to a protocol simulator. */
export function createBarcodeScanner(config: BarcodeConfig, deps: BarcodeDeps): BarcodeDevice {
  const logger = deps.logger.child({ device: 'barcode' });
  const { clock } = deps;
  const common = {
    duplicateWindowMs: config.duplicateWindowMs,
    maxCodeLength: config.maxCodeLength,
    decoding: config.decoding,
    clock,
    logger,
  };
  switch (config.kind) {
    case 'serial': {
      const link = new SerialPortLink({ path: config.path, baudRate: config.baudRate, reconnect: config.reconnect, logger });
      return { device: new SerialBarcodeScanner({ ...common, link, suffix: config.suffix, interByteTimeoutMs: config.interByteTimeoutMs }) };
    }
    case 'hid':
      requireSixtyFourBitProcess();
      return {
        device: new HidBarcodeScanner({
          ...common,
          path: config.path,
          grab: config.grab,
          control: deps.inputControl ?? loadInputDeviceControl(),
          reconnect: config.reconnect,
        }),
      };
    case 'simulated':
      return config.mode === 'hid' ? simulatedHid(config, common, logger) : simulatedSerial(config, common, logger);
  }
}

type Common = Omit<ConstructorParameters<typeof SerialBarcodeScanner>[0], 'link' | 'suffix' | 'interByteTimeoutMs'>;
type SimulatedConfig = Extract<BarcodeConfig, { kind: 'simulated' }>;

function simulatedSerial(config: SimulatedConfig, common: Common, logger: Logger): BarcodeDevice {
  const [driverEnd, deviceEnd] = MemoryLink.pair('barcode');
  const device = new SerialBarcodeScanner({ ...common, link: driverEnd, suffix: config.suffix, interByteTimeoutMs: config.interByteTimeoutMs });
  const simulator = new SerialScannerSimulator({
    link: deviceEnd,
    suffix: config.suffix,
    logger: logger.child({ simulator: 'serial' }),
    cable: deviceEnd,
  });
  return { device, simulator };
}

/**
 * Input events through a FIFO in a private temp dir: the same kernel pipe
 * the HID integration tests use. No grab: there is no console to protect and
 * a FIFO cannot be grabbed, so asking would only log a warning at every open.
 */
function simulatedHid(config: SimulatedConfig, common: Common, logger: Logger): BarcodeDevice {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-hid-'));
  const path = join(dir, 'event-kbd');
  const device = new HidBarcodeScanner({
    ...common,
    path,
    grab: false,
    control: unavailableInputControl('simulated event device'),
    reconnect: config.reconnect,
  });
  const fifo = new HidScannerSimulator({ path, logger: logger.child({ simulator: 'hid' }) });
  const simulator: BarcodeScannerSimulator = {
    start: () => fifo.start(),
    stop: async () => {
      await fifo.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    present: (code, options) => fifo.present(code, options),
    sendRaw: (bytes) => fifo.sendRaw(bytes),
    presentOverlong: (length) => fifo.presentOverlong(length),
    unplug: () => fifo.unplug(),
    replug: () => fifo.replug(),
  };
  return { device, simulator };
}

/** Node's process.arch values whose userspace `struct input_event` is the 24-byte layout evdev.ts reads. */
const SIXTY_FOUR_BIT_ARCHES: ReadonlySet<string> = new Set(['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el']);

/** A 32-bit process reads 16-byte input events; say so at start rather than discard every key as junk. */
function requireSixtyFourBitProcess(arch: string = process.arch): void {
  if (!SIXTY_FOUR_BIT_ARCHES.has(arch)) {
    throw new KioskError(
      ErrorCode.HardwareUnsupported,
      `HID barcode mode needs a 64-bit Node (this one is ${arch}); use the scanner's serial (USB-CDC) mode instead`,
      { arch },
    );
  }
}
