import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { Backoff, type BackoffSettings } from '../../ops/backoff.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { ByteLink, ByteLinkEvents } from './byte-link.js';

export interface SerialPortLinkOptions {
  path: string;
  baudRate: number;
  reconnect: BackoffSettings;
  logger: Logger;
  /**
   * How often to check that the device path still exists. A pulled USB adapter
   * removes its /dev node; the port's own hang-up is not always reported (a
   * hang-up right after open can go unseen), so the path is watched as well.
   */
  presenceCheckMs?: number;
}

/**
 * A serial port that survives unplugging: when the port errors or closes, it
 * reports the loss once and reopens the same path with backoff until the
 * device (e.g. a USB adapter under /dev/serial/by-id) is back.
 */
export class SerialPortLink extends EventEmitter<ByteLinkEvents> implements ByteLink {
  private port: SerialPort | undefined;
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private everOpened = false;
  private lostReported = false;

  constructor(private readonly options: SerialPortLinkOptions) {
    super();
    this.backoff = new Backoff(options.reconnect);
  }

  get name(): string {
    return this.options.path;
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  async start(): Promise<void> {
    this.closing = false;
    await this.tryOpen();
  }

  write(data: Buffer | string): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) {
      return Promise.reject(new KioskError(ErrorCode.HardwareFault, `serial port ${this.name} is not open`, { path: this.name }));
    }
    return new Promise((resolve, reject) => {
      port.write(data, (error) => {
        if (error) reject(new KioskError(ErrorCode.HardwareFault, `write to ${this.name} failed: ${error.message}`, { path: this.name }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.presenceTimer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private tryOpen(): Promise<void> {
    return new Promise((resolve) => {
      const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
      port.open((error) => {
        if (this.closing) {
          if (!error) port.close();
          resolve();
          return;
        }
        if (error) {
          this.reportLost(`cannot open: ${error.message}`);
          this.scheduleRetry();
          resolve();
          return;
        }
        this.port = port;
        this.backoff.reset();
        this.lostReported = false;
        port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        port.on('error', (portError) => this.onGone(port, portError.message));
        port.on('close', () => this.onGone(port, 'port closed'));
        this.watchPresence(port);
        this.options.logger.info({ path: this.name, reopened: this.everOpened }, 'serial port open');
        this.everOpened = true;
        this.emit('open');
        resolve();
      });
    });
  }

  private watchPresence(port: SerialPort): void {
    clearInterval(this.presenceTimer);
    this.presenceTimer = setInterval(() => {
      access(this.options.path).catch(() => this.onGone(port, 'device path disappeared'));
    }, this.options.presenceCheckMs ?? 1000);
    this.presenceTimer.unref();
  }

  private onGone(port: SerialPort, reason: string): void {
    if (this.port !== port || this.closing) return;
    clearInterval(this.presenceTimer);
    this.port = undefined;
    port.removeAllListeners('data');
    if (port.isOpen) port.close(() => undefined);
    this.reportLost(reason);
    this.scheduleRetry();
  }

  private reportLost(reason: string): void {
    if (this.lostReported) return;
    this.lostReported = true;
    this.options.logger.warn({ path: this.name, reason }, 'serial port lost; retrying');
    this.emit('lost', reason);
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.tryOpen(), this.backoff.next());
  }
}
