import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import type { DeviceHealth } from '../device.js';
import type { BarcodeScanner, BarcodeScannerEvents } from './barcode-scanner.js';

export class SimulatedBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  private running = false;

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

  /** Simulation control: a code is held in front of the scanner. */
  present(code: string): void {
    if (this.running) this.emit('scan', { code, uptimeMs: this.clock.uptimeMs() });
  }
}
