import { EventEmitter } from 'node:events';
import type { BarcodeDecodingConfig, BarcodeSuffix } from '../../ops/config/barcode-config.js';
import type { Clock } from '../../ops/clock.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { DeviceHealth } from '../device.js';
import { HealthTracker } from '../device-health.js';
import type { ByteLink } from '../serial/byte-link.js';
import type { BarcodeScanner, BarcodeScannerEvents, ScannerStats } from './barcode-scanner.js';
import { ScanPipeline } from './scan-pipeline.js';
import { SerialCodeFramer, type FramedCodes } from './serial-code-framer.js';

/**
 * A scanner in serial (USB-CDC / RS-232) mode: each code arrives as bytes
 * followed by a suffix. Runs over any ByteLink, a real port or the in-memory
 * pair the simulator sits on.
 *
 *   ByteLink ──bytes──► SerialCodeFramer ──code──► ScanPipeline (dedupe, decode) ──► 'scan'
 *        └── open/lost ──► HealthTracker ──► 'recovered' / 'fault'
 *
 * A code without suffix is still delivered once no byte has come for
 * interByteTimeoutMs. The driver owns the link: stop() closes it.
 */
export interface SerialBarcodeScannerOptions {
  link: ByteLink;
  suffix: BarcodeSuffix;
  interByteTimeoutMs: number;
  duplicateWindowMs: number;
  maxCodeLength: number;
  decoding: BarcodeDecodingConfig;
  clock: Clock;
  logger: Logger;
}

export class SerialBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  // HealthTracker emits only fault/recovered, which this emitter declares too; TS cannot see that through EventEmitter's generics.
  private readonly tracker = new HealthTracker(this);
  private readonly framer: SerialCodeFramer;
  private readonly pipeline: ScanPipeline;
  private quietTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: SerialBarcodeScannerOptions) {
    super();
    this.framer = new SerialCodeFramer({ suffix: options.suffix, maxLength: options.maxCodeLength });
    this.pipeline = new ScanPipeline({
      duplicateWindowMs: options.duplicateWindowMs,
      decoding: options.decoding,
      clock: options.clock,
      logger: options.logger,
      emit: (scan) => this.emit('scan', scan),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { link } = this.options;
    link.on('data', this.onData);
    link.on('open', this.onOpen);
    link.on('lost', this.onLost);
    await link.start();
    // A link that failed its first open may already have said so ('lost'); one that stays silent is just as absent.
    if (link.isOpen) this.tracker.running();
    else this.onLost('not connected');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.quietTimer);
    const { link } = this.options;
    link.off('data', this.onData);
    link.off('open', this.onOpen);
    link.off('lost', this.onLost);
    this.framer.reset();
    await link.close();
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  stats(): ScannerStats {
    return this.pipeline.stats();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.handle(this.framer.push(chunk));
    clearTimeout(this.quietTimer);
    if (this.framer.buffered > 0 && this.options.interByteTimeoutMs > 0) {
      this.quietTimer = setTimeout(() => this.handle(this.framer.flush()), this.options.interByteTimeoutMs);
    }
  };

  private readonly onOpen = (): void => {
    this.options.logger.info({ link: this.options.link.name }, 'barcode scanner connected');
    this.tracker.running();
  };

  private readonly onLost = (reason: string): void => {
    clearTimeout(this.quietTimer);
    const dropped = this.framer.reset();
    if (dropped > 0) this.pipeline.reject('cut-off-by-disconnect', Buffer.alloc(0), dropped);
    this.tracker.faulted(
      new KioskError(ErrorCode.HardwareFault, `barcode scanner on ${this.options.link.name} lost: ${reason}`, { link: this.options.link.name, reason }),
    );
  };

  private handle({ codes, bad }: FramedCodes): void {
    for (const frame of bad) this.pipeline.reject(frame.reason, frame.bytes, frame.length);
    for (const code of codes) this.pipeline.deliver(code);
  }
}
