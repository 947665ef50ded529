import { setTimeout as delay } from 'node:timers/promises';
import type { BarcodeSuffix } from '../../ops/config/barcode-config.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { ByteLink } from '../serial/byte-link.js';
import type { BarcodeScannerSimulator, PresentOptions } from './barcode-scanner-simulator.js';
import { suffixBytes } from './serial-code-framer.js';

/** What pulls and replugs the simulated cable: MemoryLink in the simulated kiosk, a PtyPair in tests. */
export interface SimulatedCable {
  unplug(): void | Promise<void>;
  replug(): void | Promise<void>;
}

export interface SerialScannerSimulatorOptions {
  /** The device end of the wire. */
  link: ByteLink;
  suffix: BarcodeSuffix;
  logger: Logger;
  cable?: SimulatedCable;
}

/**
 * A serial-mode scanner: writes each code followed by its suffix on the
 * device end of a ByteLink, exactly the bytes a USB-CDC scanner sends.
 */
export class SerialScannerSimulator implements BarcodeScannerSimulator {
  constructor(private readonly options: SerialScannerSimulatorOptions) {}

  async start(): Promise<void> {
    await this.options.link.start();
  }

  async stop(): Promise<void> {
    await this.options.link.close();
  }

  present(code: string, options: PresentOptions = {}): Promise<boolean> {
    const body = Buffer.from(code, 'utf8');
    const bytes = options.terminate === false ? body : Buffer.concat([body, suffixBytes(this.options.suffix)]);
    return this.write(bytes, options);
  }

  sendRaw(bytes: Buffer): Promise<boolean> {
    return this.write(bytes, {});
  }

  presentOverlong(length: number): Promise<boolean> {
    return this.present('9'.repeat(length));
  }

  async unplug(): Promise<void> {
    await this.cable().unplug();
  }

  async replug(): Promise<void> {
    await this.cable().replug();
  }

  private cable(): SimulatedCable {
    const { cable } = this.options;
    if (!cable) throw new KioskError(ErrorCode.HardwareUnsupported, 'this scanner simulator has no cable to pull', { link: this.options.link.name });
    return cable;
  }

  private async write(bytes: Buffer, options: PresentOptions): Promise<boolean> {
    const size = Math.max(1, options.chunkSize ?? bytes.length);
    try {
      for (let offset = 0; offset < bytes.length; offset += size) {
        if (offset > 0 && options.chunkDelayMs) await delay(options.chunkDelayMs);
        await this.options.link.write(bytes.subarray(offset, offset + size));
      }
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, link: this.options.link.name }, 'simulated scanner could not send');
      return false;
    }
  }
}
