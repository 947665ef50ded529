import { EventEmitter } from 'node:events';
import type { ByteLink, ByteLinkEvents } from '../hardware/serial/byte-link.js';

/**
 * stdin/stdout as a ByteLink, for the local console (`npm run console`). On a
 * terminal, stdin goes to raw mode so the console's own line editor handles
 * every key, exactly as over the serial port (Ctrl-C cancels a line here too;
 * stop the kiosk with SIGTERM or the `restart` command). From a pipe, lines
 * arrive as they are, and the end of input ends the session.
 */
export class StdioLink extends EventEmitter<ByteLinkEvents> implements ByteLink {
  readonly name = 'stdio';
  private open = false;
  private readonly onData = (chunk: Buffer | string): void => {
    this.emit('data', Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  };
  private readonly onEnd = (): void => {
    this.open = false;
    this.emit('lost', 'end of input');
  };

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {
    super();
  }

  /** A terminal needs the console to echo what is typed; a pipe does not. */
  get isTerminal(): boolean {
    return this.input.isTTY === true;
  }

  get isOpen(): boolean {
    return this.open;
  }

  async start(): Promise<void> {
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    this.input.resume();
    this.open = true;
    this.emit('open');
  }

  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      this.output.write(data, () => resolve());
    });
  }

  async close(): Promise<void> {
    this.open = false;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
  }
}
