/** Runs in a WalCheckpointer's thread: a PASSIVE checkpoint whenever the writer has committed past the threshold, or on a timer. */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CheckpointerMessage, CheckpointerSettings } from './wal-checkpointer.js';
import { walFileBytes } from './wal-file.js';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-thread runs as a worker thread');
const settings = workerData as CheckpointerSettings;

let db: BetterSqlite3.Database;
try {
  db = new BetterSqlite3(settings.path, { fileMustExist: true });
  // A checkpoint that finds a lock gives way at once and goes again after the next commit.
  db.pragma('busy_timeout = 0');
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ error: `cannot open ${settings.path} for checkpoints: ${(error as Error).message}` });
  process.exit(1);
}

let sinceCheckpoint = 0;

function checkpoint(): void {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    // Only a checkpoint that copied the whole WAL lets the writer start it again from the beginning.
    if (result && result.busy === 0 && result.checkpointed >= result.log) sinceCheckpoint = 0;
    // Under a steady stream of commits a passive checkpoint never catches up with the end of the WAL, so the writer never
    // starts it again and the file grows. Past the bound, a RESTART copies the few frames left, holding new writers for
    // that long only, and makes the next commit start the WAL over (and cut it to journal_size_limit).
    if (walFileBytes(settings.path) > settings.maxWalBytes) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Busy or locked: tried again later; the writer is never held up by this thread for more than the RESTART's copy.
  }
}

const timer = settings.intervalMs === null ? undefined : setInterval(checkpoint, settings.intervalMs);

port.on('message', (message: CheckpointerMessage) => {
  if (message.kind === 'stop') {
    clearInterval(timer);
    db.close();
    port.close();
    return;
  }
  sinceCheckpoint += message.bytes;
  if (sinceCheckpoint >= settings.thresholdBytes) checkpoint();
});
