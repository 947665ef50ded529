/**
 * The ingest's store, run in its own thread: the commit (SQLite, fsync'd) of
 * one group of messages overlaps the receiving and checking of the next, and
 * every message that arrived while a commit was running goes in the next one.
 * The group therefore grows by itself when the disk is slow, and an fsync never
 * holds up the consumers' sockets. A third thread checkpoints the WAL
 * (WalCheckpointer), so no commit ever waits for a checkpoint's fsync.
 *
 *   Ingest ──store(batches)──► [writer thread: IngestStore] ──outcome──► Ingest (publishes the watermarks)
 *                                                 WAL ◄── [checkpoint thread]
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../ops/module-worker.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import type { IncomingBatch, StoreOutcome } from './ingest-store.js';

export type WriterRequest =
  | { kind: 'store'; batches: IncomingBatch[]; receivedAt: string }
  | { kind: 'park'; entry: ParkedEntry; receivedAt: string }
  | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'stored'; stored: number; duplicates: number; acks: Array<[string, number]> }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };

export interface ParkedEntry {
  deviceId: string | null;
  topic: string;
  reason: string;
  detail: string;
  payload: Uint8Array;
}

interface Waiter {
  resolve(reply: WriterReply): void;
  reject(error: Error): void;
}

/** The main thread's handle on the writer thread; requests are answered in the order they were made. */
export class IngestWriter {
  private readonly waiters: Waiter[] = [];
  private exited: Error | undefined;
  private closing = false;
  private checkpointer: WalCheckpointer | undefined;
  /** Called once if the thread dies other than by close(): from then on nothing is stored. */
  onDeath: ((error: Error) => void) | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WriterReply) => this.waiters.shift()?.resolve(reply));
    const fail = (error: Error): void => {
      if (this.exited) return;
      this.exited = error;
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      if (!this.closing) this.onDeath?.(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`ingest writer thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until it has opened (and if need be migrated) the store. */
  static async start(storePath: string): Promise<IngestWriter> {
    const writer = new IngestWriter(startModuleWorker(new URL('./ingest-writer-thread.js', import.meta.url), { workerData: { storePath, autoCheckpoint: false } }));
    try {
      await writer.expect(writer.next(), 'ready');
      writer.checkpointer = await WalCheckpointer.start({ path: storePath });
    } catch (error) {
      await writer.close();
      throw error;
    }
    return writer;
  }

  async store(batches: IncomingBatch[], receivedAt: string): Promise<StoreOutcome> {
    // Each payload moves to the writer thread without a copy: a fresh buffer of exactly its bytes, transferred.
    const transfer: ArrayBuffer[] = [];
    const owned = batches.map((batch) => {
      const payload = new Uint8Array(batch.payload);
      transfer.push(payload.buffer);
      return { ...batch, payload };
    });
    const reply = await this.request({ kind: 'store', batches: owned, receivedAt }, transfer);
    if (reply.kind !== 'stored') throw new Error(reply.kind === 'failed' ? reply.message : `unexpected reply ${reply.kind}`);
    this.checkpointer?.wrote(owned.reduce((bytes, batch) => bytes + batch.payload.byteLength, 0));
    return { stored: reply.stored, duplicates: reply.duplicates, acks: new Map(reply.acks) };
  }

  async park(entry: ParkedEntry, receivedAt: string): Promise<void> {
    await this.expect(this.request({ kind: 'park', entry, receivedAt }), 'done');
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.exited) return;
    await this.expect(this.request({ kind: 'close' }), 'done').catch(() => undefined);
    await this.worker.terminate();
  }

  private request(request: WriterRequest, transfer: ArrayBuffer[] = []): Promise<WriterReply> {
    if (this.exited) return Promise.reject(this.exited);
    const reply = this.next();
    this.worker.postMessage(request, transfer);
    return reply;
  }

  private next(): Promise<WriterReply> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async expect(reply: Promise<WriterReply>, kind: WriterReply['kind']): Promise<void> {
    const answer = await reply;
    if (answer.kind === 'failed') throw new Error(answer.message);
    if (answer.kind !== kind) throw new Error(`ingest writer answered ${answer.kind}, expected ${kind}`);
  }
}
