import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { ByteLink } from '../serial/byte-link.js';
import type { RejectedLine } from './line-decoder.js';
import { createMtSicsDecoder } from './mt-sics-parser.js';
import { responseIdOf, type MtSicsCommand, type MtSicsParseProblem, type MtSicsResponse } from './mt-sics-protocol.js';

/**
 * The MT-SICS request/response discipline: one command on the wire at a time,
 * each answered (or timed out) before the next is sent, the rest queued.
 *
 *   request('T') ─► queue ─► link.write("T\r\n") ─► … ─► 'data' ─► decoder ─► "T S 12.00 g" ─► resolve
 *
 * An answer belongs to the outstanding command when its id is that command's
 * response id (or it is a general ES/ET/EL error line). Anything else — a late
 * answer after a timeout, a line the scale sent unasked — is stray: counted
 * and dropped, so a late "S S" can never complete a tare.
 *
 * SIR streams: once SIR is answered with a weight line, the balance goes on
 * sending "S …" lines unasked. They go to `onStreamed` for as long as the
 * stream runs, which is until the next command is written: any command ends
 * SIR on the balance, so stream lines still on the wire while that command
 * waits for its answer are stray (a weight taken before a tare, say).
 */
export interface MtSicsSessionHooks {
  /** A line that could not be read. */
  onBadFrame(rejected: RejectedLine<MtSicsParseProblem>): void;
  /** A readable response nobody was waiting for. */
  onStray(response: MtSicsResponse): void;
  /** A readable response matched to its command. */
  onAnswered(command: MtSicsCommand, response: MtSicsResponse): void;
  /** An "S …" line of a running SIR stream (after the one that answered SIR). */
  onStreamed(response: MtSicsResponse): void;
}

interface Exchange {
  command: MtSicsCommand;
  timeoutMs: number;
  resolve(response: MtSicsResponse): void;
  reject(error: KioskError): void;
  timer?: NodeJS.Timeout;
}

/** Commands waiting behind the one on the wire; more means a caller is looping on tare() and must be told no. */
export const MAX_QUEUED = 16;

export class MtSicsSession {
  private readonly decoder = createMtSicsDecoder();
  private readonly queue: Exchange[] = [];
  private current: Exchange | undefined;
  private streamRunning = false;

  constructor(
    private readonly link: ByteLink,
    private readonly hooks: MtSicsSessionHooks,
  ) {}

  /** Sends `command` when the line is free; resolves with its answer (which may be a refusal), rejects on timeout or link failure. */
  request(command: MtSicsCommand, timeoutMs: number): Promise<MtSicsResponse> {
    if (this.queue.length >= MAX_QUEUED) {
      return Promise.reject(new KioskError(ErrorCode.HardwareFault, `scale command queue full; ${command} not sent`, { device: 'scale', command }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ command, timeoutMs, resolve, reject });
      this.sendNext();
    });
  }

  /** True while an SIR stream runs: SIR was answered with a weight (or range) line and no command was written since. */
  get streaming(): boolean {
    return this.streamRunning;
  }

  /** No command on the wire and none waiting. */
  get idle(): boolean {
    return this.current === undefined && this.queue.length === 0;
  }

  /** Feed bytes from the link. */
  receive(chunk: Buffer): void {
    for (const entry of this.decoder.push(chunk).inOrder) {
      if ('frame' in entry) this.answer(entry.frame);
      else this.reject(entry.rejected);
    }
  }

  /** Fails the outstanding and queued commands (link lost, driver stopped) and drops any partial line. */
  cancelAll(error: KioskError): void {
    this.decoder.flush();
    this.streamRunning = false;
    const pending = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const exchange of pending) {
      clearTimeout(exchange.timer);
      exchange.reject(error);
    }
  }

  private answer(response: MtSicsResponse): void {
    const current = this.current;
    if (current && (response.kind === 'error' || response.id === responseIdOf(current.command))) {
      this.hooks.onAnswered(current.command, response);
      if (current.command === 'SIR' && (response.kind === 'weight' || response.kind === 'out-of-range')) this.streamRunning = true;
      this.finish(current).resolve(response);
    } else if (!current && this.streamRunning && response.kind !== 'error' && response.id === 'S') {
      this.hooks.onStreamed(response);
    } else {
      this.hooks.onStray(response);
    }
  }

  private reject(bad: RejectedLine<MtSicsParseProblem>): void {
    this.hooks.onBadFrame(bad);
    const current = this.current;
    // An unreadable answer to the outstanding command fails it now, rather than after the timeout.
    if (current && bad.id !== undefined && bad.id === responseIdOf(current.command)) {
      this.finish(current).reject(
        new KioskError(ErrorCode.HardwareFault, `unreadable answer to ${current.command}: ${bad.reason}`, {
          device: 'scale',
          command: current.command,
          reason: bad.reason,
          hex: bad.bytes.subarray(0, 64).toString('hex'),
        }),
      );
    }
  }

  private sendNext(): void {
    if (this.current) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    this.streamRunning = false; // any command ends SIR on the balance
    next.timer = setTimeout(() => {
      if (this.current !== next) return;
      this.finish(next).reject(
        new KioskError(ErrorCode.HardwareTimeout, `no answer to ${next.command} within ${next.timeoutMs} ms`, {
          device: 'scale',
          command: next.command,
          timeoutMs: next.timeoutMs,
        }),
      );
    }, next.timeoutMs);
    this.link.write(`${next.command}\r\n`).catch((error: unknown) => {
      if (this.current !== next) return;
      this.finish(next).reject(
        new KioskError(ErrorCode.HardwareFault, `cannot send ${next.command}: ${error instanceof Error ? error.message : String(error)}`, {
          device: 'scale',
          command: next.command,
        }),
      );
    });
  }

  /** Clears the outstanding slot, starts the next command, and hands back the finished exchange to settle. */
  private finish(exchange: Exchange): Exchange {
    clearTimeout(exchange.timer);
    this.current = undefined;
    // On a microtask, so that settling this exchange (right after) never runs inside sendNext().
    queueMicrotask(() => this.sendNext());
    return exchange;
  }
}
