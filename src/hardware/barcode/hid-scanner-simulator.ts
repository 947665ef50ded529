import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../ops/logger.js';
import type { BarcodeScannerSimulator, PresentOptions } from './barcode-scanner-simulator.js';
import { encodeInputEvent, type InputEvent } from './evdev.js';
import { FifoWriter } from './fifo.js';
import { inputEventsFor, keystrokesFor } from './keymap-encoder.js';

export interface HidScannerSimulatorOptions {
  /** Where the FIFO standing in for /dev/input/eventN is made; the HID driver opens the same path. */
  path: string;
  logger: Logger;
  /** Microseconds since the epoch for event timestamps; the wall clock by default. */
  nowMicros?: () => number;
}

/**
 * A keyboard-mode scanner: types each code as 24-byte Linux input_event
 * records (MSC_SCAN, key press/release with Shift, SYN_REPORT, then Enter)
 * into a FIFO, which the real HID driver reads as its event device.
 * unplug() closes and removes the FIFO, as a pulled USB device's node vanishes.
 */
export class HidScannerSimulator implements BarcodeScannerSimulator {
  private readonly fifo: FifoWriter;
  private readonly nowMicros: () => number;

  constructor(private readonly options: HidScannerSimulatorOptions) {
    this.fifo = new FifoWriter(options.path);
    this.nowMicros = options.nowMicros ?? (() => Date.now() * 1000);
  }

  get path(): string {
    return this.options.path;
  }

  async start(): Promise<void> {
    await this.fifo.open();
  }

  async stop(): Promise<void> {
    await this.fifo.close();
  }

  async present(code: string, options: PresentOptions = {}): Promise<boolean> {
    let events: InputEvent[];
    try {
      events = inputEventsFor(keystrokesFor(code), { enter: options.terminate !== false, nowMicros: this.nowMicros });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'simulated HID scanner cannot type this code');
      return false;
    }
    return this.write(Buffer.concat(events.map(encodeInputEvent)), options);
  }

  /** Fault injection: these records as they are, e.g. an unmapped key or SYN_DROPPED. */
  sendEvents(events: readonly InputEvent[]): Promise<boolean> {
    return this.write(Buffer.concat(events.map(encodeInputEvent)), {});
  }

  sendRaw(bytes: Buffer): Promise<boolean> {
    return this.write(bytes, {});
  }

  presentOverlong(length: number): Promise<boolean> {
    return this.present('9'.repeat(length));
  }

  async unplug(): Promise<void> {
    await this.fifo.close();
  }

  async replug(): Promise<void> {
    await this.fifo.open();
  }

  private async write(bytes: Buffer, options: PresentOptions): Promise<boolean> {
    const size = Math.max(1, options.chunkSize ?? bytes.length);
    try {
      for (let offset = 0; offset < bytes.length; offset += size) {
        if (offset > 0 && options.chunkDelayMs) await delay(options.chunkDelayMs);
        await this.fifo.write(bytes.subarray(offset, offset + size));
      }
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, path: this.options.path }, 'simulated HID scanner could not send');
      return false;
    }
  }
}
