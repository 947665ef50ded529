import { SerialPortLink } from '../../src/hardware/serial/serial-port-link.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { waitFor } from './wait-for.js';

/**
 * The technician's laptop on the far end of a real PTY: types bytes and reads
 * the screen. `expect` waits for text that appears after the last mark, so a
 * session reads top to bottom like a transcript.
 */
export class Technician {
  private screen = '';
  private mark = 0;
  private readonly link: SerialPortLink;

  constructor(path: string) {
    this.link = new SerialPortLink({ path, baudRate: 115_200, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger: createSilentLogger() });
    this.link.on('data', (chunk) => {
      this.screen += chunk.toString('utf8');
    });
  }

  async connect(): Promise<void> {
    await this.link.start();
    await waitFor(() => this.link.isOpen, { description: 'technician end open', timeoutMs: 5000 });
  }

  /** Everything shown since the session began. */
  get transcript(): string {
    return this.screen;
  }

  async type(text: string | Buffer): Promise<void> {
    await this.link.write(text);
  }

  /** Types a line and waits for the prompt that follows its output; returns that output. */
  async run(line: string, prompt: RegExp = /\[[^\]]+\][>#] $/): Promise<string> {
    this.mark = this.screen.length;
    await this.type(`${line}\r`);
    return this.expect(prompt);
  }

  /** Waits for `pattern` after the mark, moves the mark past it, and returns the text up to and including it. */
  async expect(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const from = this.mark;
    const found = await waitFor(
      () => {
        const rest = this.screen.slice(from);
        if (typeof pattern === 'string') {
          const at = rest.indexOf(pattern);
          return at >= 0 ? rest.slice(0, at + pattern.length) : undefined;
        }
        const match = pattern.exec(rest);
        return match ? rest.slice(0, match.index + match[0].length) : undefined;
      },
      { timeoutMs, description: `${String(pattern)} on the console` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; screen after mark: ${JSON.stringify(this.screen.slice(from).slice(-400))}`);
    });
    this.mark = from + found.length;
    return found;
  }

  /** Moves the mark to the end of the screen: later expects see only what comes next. */
  skip(): void {
    this.mark = this.screen.length;
  }

  async disconnect(): Promise<void> {
    await this.link.close();
  }
}
