import { EventEmitter } from 'node:events';
import { BarcodeDecodingConfig } from '../../ops/config/barcode-config.js';
import type { Clock } from '../../ops/clock.js';
import type { DeviceHealth } from '../device.js';
import type { BarcodeScanner, BarcodeScannerEvents, ScannerStats } from './barcode-scanner.js';
import { compileDecodingRules, decodeCode } from './code-decoder.js';

/**
 * The first, in-process stand-in for a scanner. Superseded by the real drivers
 * wired to SerialScannerSimulator / HidScannerSimulator (create-barcode.ts);
 * kept until the wiring moves over.
 */
export class SimulatedBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  private running = false;
  private scans = 0;
  private readonly rules = compileDecodingRules(BarcodeDecodingConfig.parse({}));

  constructor(private readonly clock: Clock) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { state: this.running ? 'running' : 'stopped' };
  }

  stats(): ScannerStats {
    return { scans: this.scans, duplicates: 0, badFrames: 0, discardedBytes: 0 };
  }

  /** Simulation control: a code is held in front of the scanner. */
  present(code: string): void {
    if (!this.running) return;
    this.scans += 1;
    const decoded = decodeCode(code, this.rules, { referenceYear: this.clock.wallNow().getUTCFullYear() });
    this.emit('scan', { code, uptimeMs: this.clock.uptimeMs(), decoded });
  }
}
