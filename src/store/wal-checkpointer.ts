/**
 * Checkpoints a WAL database from its own thread and connection, so the
 * connection that writes never does: with SQLite's automatic checkpoint, the
 * commit that crosses the threshold copies the WAL into the database file and
 * fsyncs it before it returns, which holds the writer for a disk's worth of
 * time. A PASSIVE checkpoint runs beside the writer without blocking it.
 * The writer sets `wal_autocheckpoint = 0` while this runs.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../ops/module-worker.js';

export interface WalCheckpointerOptions {
  /** The database file (its WAL is `<path>-wal`). */
  path: string;
  /** Checkpoint once about this much has been committed since the last one (default 4 MiB, SQLite's own 1000 pages). */
  thresholdBytes?: number;
  /** Also checkpoint this often, for writers that do not call `wrote` (default: only on `wrote`). */
  intervalMs?: number;
  /** A WAL file larger than this gets a RESTART checkpoint, which lets the writer start it over (default 4 × thresholdBytes). */
  maxWalBytes?: number;
}

export interface CheckpointerSettings {
  path: string;
  thresholdBytes: number;
  intervalMs: number | null;
  maxWalBytes: number;
}

export type CheckpointerMessage = { kind: 'wrote'; bytes: number } | { kind: 'stop' };

export class WalCheckpointer {
  private constructor(private readonly worker: Worker) {}

  static async start(options: WalCheckpointerOptions): Promise<WalCheckpointer> {
    const thresholdBytes = options.thresholdBytes ?? 4 * 1024 * 1024;
    const settings: CheckpointerSettings = { path: options.path, thresholdBytes, intervalMs: options.intervalMs ?? null, maxWalBytes: options.maxWalBytes ?? 4 * thresholdBytes };
    const worker = startModuleWorker(new URL('./wal-checkpoint-thread.js', import.meta.url), { workerData: settings });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: { ready?: boolean; error?: string }) => (message.ready ? resolve() : reject(new Error(message.error ?? 'checkpointer did not start'))));
      worker.once('error', reject);
    });
    return new WalCheckpointer(worker);
  }

  /** The writer committed about this many bytes. */
  wrote(bytes: number): void {
    this.worker.postMessage({ kind: 'wrote', bytes } satisfies CheckpointerMessage);
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ kind: 'stop' } satisfies CheckpointerMessage);
    await exited;
  }
}
