import { EventEmitter } from 'node:events';
import { Backoff, type BackoffSettings } from '../../ops/backoff.js';
import type { BarcodeDecodingConfig } from '../../ops/config/barcode-config.js';
import type { Clock } from '../../ops/clock.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { DeviceHealth } from '../device.js';
import { HealthTracker } from '../device-health.js';
import type { BarcodeScanner, BarcodeScannerEvents, ScannerStats } from './barcode-scanner.js';
import { InputEventParser, type ParsedInput } from './evdev.js';
import type { InputDeviceControl } from './input-device-control.js';
import { openInputSource, type InputSource } from './input-source.js';
import { KeymapDecoder } from './keymap-decoder.js';
import { ScanPipeline } from './scan-pipeline.js';

/**
 * A scanner in USB HID keyboard mode, read from its Linux event device
 * (/dev/input/by-id/...-event-kbd) rather than from a terminal, so it works
 * with no console focus and can be grabbed away from the console.
 *
 *   event device ──bytes──► InputEventParser ──input_event──► KeymapDecoder ──code──► ScanPipeline ──► 'scan'
 *        └── open failed / read error / end of stream ──► 'fault', reopen with backoff ──► 'recovered'
 *
 * An event device is read with a plain fs read stream (input-source.ts): each
 * read blocks one libuv pool thread until a key comes. On stop, EVIOCREVOKE
 * (when the ioctl package is there) ends that read at once; without it the
 * read ends at the next key, or when the device goes away.
 */
export interface HidBarcodeScannerOptions {
  path: string;
  grab: boolean;
  control: InputDeviceControl;
  duplicateWindowMs: number;
  maxCodeLength: number;
  decoding: BarcodeDecodingConfig;
  reconnect: BackoffSettings;
  clock: Clock;
  logger: Logger;
}

interface OpenDevice {
  source: InputSource;
  parser: InputEventParser;
}

export class HidBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  // HealthTracker emits only fault/recovered, which this emitter declares too; TS cannot see that through EventEmitter's generics.
  private readonly tracker = new HealthTracker(this);
  private readonly pipeline: ScanPipeline;
  private readonly keymap: KeymapDecoder;
  private readonly backoff: Backoff;
  private device: OpenDevice | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** Bumped on stop, so an open() that finishes after stop() closes what it opened instead of using it. */
  private generation = 0;

  constructor(private readonly options: HidBarcodeScannerOptions) {
    super();
    this.backoff = new Backoff(options.reconnect);
    this.keymap = new KeymapDecoder({ maxLength: options.maxCodeLength });
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
    await this.openDevice(this.generation);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    const device = this.device;
    this.device = undefined;
    if (device) this.closeDevice(device, true);
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  stats(): ScannerStats {
    return this.pipeline.stats();
  }

  private async openDevice(generation: number): Promise<void> {
    const { path, logger } = this.options;
    let source: InputSource;
    try {
      source = await openInputSource(path);
    } catch (error) {
      if (generation !== this.generation) return;
      this.lost(`cannot open: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return;
    }
    if (generation !== this.generation) {
      source.destroy();
      return;
    }
    if (this.options.grab) {
      const grabbed = this.options.control.grab(source.fd);
      if (!grabbed.ok) logger.warn({ path, reason: grabbed.reason, detail: grabbed.detail }, 'cannot grab the scanner; its codes may also reach the console');
    }
    const device: OpenDevice = { source, parser: new InputEventParser() };
    this.device = device;
    this.keymap.reset();
    source.stream.on('data', (chunk: Buffer) => this.onData(device, chunk));
    source.stream.on('error', (error: NodeJS.ErrnoException) => this.onGone(device, `read failed: ${error.code ?? error.message}`));
    source.stream.on('end', () => this.onGone(device, 'end of stream'));
    this.backoff.reset();
    logger.info({ path, kind: source.kind }, 'barcode scanner (HID) open');
    this.tracker.running();
  }

  private onData(device: OpenDevice, chunk: Buffer): void {
    if (device !== this.device) return;
    this.handleInput(device.parser.push(chunk));
  }

  private handleInput({ events, discarded }: ParsedInput): void {
    for (const run of discarded) this.pipeline.reject(run.reason, run.bytes);
    const { codes, discarded: keys } = this.keymap.push(events);
    for (const key of keys) this.pipeline.reject(key.reason, Buffer.from(key.detail, 'latin1'));
    for (const code of codes) this.pipeline.deliver(code);
  }

  private onGone(device: OpenDevice, reason: string): void {
    if (device !== this.device) return;
    this.device = undefined;
    this.handleInput(device.parser.flush());
    const cutOff = this.keymap.pendingLength;
    if (cutOff > 0) this.pipeline.reject('cut-off-by-disconnect', Buffer.alloc(0), cutOff);
    this.keymap.reset();
    this.closeDevice(device, false);
    this.lost(reason);
  }

  private lost(reason: string): void {
    const { path } = this.options;
    this.tracker.faulted(new KioskError(ErrorCode.HardwareFault, `barcode scanner ${path} lost: ${reason}`, { path, reason }));
    this.options.logger.debug({ path, reason }, 'input device unavailable; retrying');
    clearTimeout(this.retryTimer);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => void this.openDevice(generation), this.backoff.next());
  }

  /**
   * Ends reading. The source closes the descriptor itself once any pending
   * read returns; waiting for that here could mean waiting for the next key.
   */
  private closeDevice(device: OpenDevice, stopping: boolean): void {
    const { control, grab, logger, path } = this.options;
    const { source } = device;
    source.stream.removeAllListeners('data');
    source.stream.on('error', () => undefined);
    if (stopping && source.kind === 'event-device') {
      if (grab) control.release(source.fd);
      const revoked = control.revoke(source.fd);
      if (!revoked.ok) logger.debug({ path, detail: revoked.detail }, 'cannot revoke the event device; its last read ends at the next key');
    }
    source.destroy();
  }
}
