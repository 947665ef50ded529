/**
 * Runs the console shell over one ByteLink: the serial port of device-config
 * (a SerialPortLink, which survives the technician's cable coming and going)
 * or stdin/stdout (StdioLink).
 *
 *   ByteLink 'data' ──► ConsoleShell.input()      ConsoleShell write() ──► ByteLink.write()
 *   ByteLink 'open' ──► banner + prompt            ByteLink 'lost' ──► session ends (logout)
 *
 * A pulled cable logs the technician out: whoever plugs in next starts locked.
 */
import type { ByteLink } from '../hardware/serial/byte-link.js';
import type { Logger } from '../ops/logger.js';
import { ConsoleShell, type ShellOptions } from './shell.js';

export interface ConsoleServiceOptions {
  link: ByteLink;
  /** Everything the shell needs except how to write: the service provides that. */
  shell: Omit<ShellOptions, 'write' | 'transport'>;
  transport: string;
  logger: Logger;
}

export class ConsoleService {
  readonly shell: ConsoleShell;
  /** Writes in order; stop() waits for them so a last message (e.g. "restarting") reaches the terminal. */
  private writes: Promise<void> = Promise.resolve();
  private readonly onData = (chunk: Buffer): void => this.shell.input(chunk);
  private readonly onOpen = (): void => this.shell.open();
  private readonly onLost = (reason: string): void => this.shell.end(`link lost: ${reason}`);

  constructor(private readonly options: ConsoleServiceOptions) {
    this.shell = new ConsoleShell({ ...options.shell, transport: options.transport, write: (text) => this.write(text) });
  }

  async start(): Promise<void> {
    const { link } = this.options;
    link.on('data', this.onData);
    link.on('open', this.onOpen);
    link.on('lost', this.onLost);
    await link.start();
    this.options.logger.info({ transport: this.options.transport, open: link.isOpen }, 'console started');
  }

  async stop(): Promise<void> {
    const { link } = this.options;
    this.shell.end('kiosk stopping');
    await this.writes;
    link.off('data', this.onData);
    link.off('open', this.onOpen);
    link.off('lost', this.onLost);
    await link.close();
  }

  private write(text: string): void {
    const { link } = this.options;
    if (!link.isOpen || text.length === 0) return;
    this.writes = this.writes.then(() =>
      link.write(text).catch((error: unknown) => this.options.logger.debug({ err: error }, 'console write failed (terminal gone)')),
    );
  }
}
