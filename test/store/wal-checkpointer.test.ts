import { statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

describe('WalCheckpointer (a real WAL file, its own thread)', () => {
  let dir: TempDir;
  let db: BetterSqlite3.Database;
  let checkpointer: WalCheckpointer | undefined;
  beforeEach(() => {
    dir = makeTempDir();
    db = new BetterSqlite3(dir.file('db.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  });
  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    db.close();
    dir.remove();
  });

  const write = (rows: number): void => {
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i += 1) insert.run(Buffer.alloc(4000, i));
    })();
  };
  const databaseBytes = (): number => statSync(dir.file('db.sqlite')).size;

  it('copies the WAL into the database once the writer says it committed past the threshold', async () => {
    checkpointer = await WalCheckpointer.start({ path: dir.file('db.sqlite'), thresholdBytes: 1024 * 1024 });
    const before = databaseBytes();
    write(100);
    checkpointer.wrote(400_000);
    write(200);
    checkpointer.wrote(800_000);
    await waitFor(() => databaseBytes() > before + 1_000_000, { timeoutMs: 5000, description: 'the checkpoint to grow the database file' });
  });

  it('on a timer, copies whatever a writer committed without telling it', async () => {
    checkpointer = await WalCheckpointer.start({ path: dir.file('db.sqlite'), intervalMs: 20 });
    const before = databaseBytes();
    write(50);
    await waitFor(() => databaseBytes() > before + 150_000, { timeoutMs: 5000, description: 'a timed checkpoint to grow the database file' });
  });

  it('keeps the WAL bounded under a writer that never pauses (a passive checkpoint alone never catches up)', async () => {
    const maxWalBytes = 2 * 1024 * 1024;
    checkpointer = await WalCheckpointer.start({ path: dir.file('db.sqlite'), intervalMs: 5, maxWalBytes });
    db.pragma('journal_size_limit = 1048576');
    let largest = 0;
    // 60 MB of commits, back to back, on this thread while the checkpointer works on its own.
    for (let round = 0; round < 1500; round += 1) {
      write(10);
      largest = Math.max(largest, statSync(dir.file('db.sqlite-wal')).size);
      // A turn of the event loop now and then: the moments between commits a RESTART needs (a kiosk's loop has many).
      if (round % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    // Unbounded, the WAL reaches ~76 MB here.
    expect(largest).toBeLessThan(16 * maxWalBytes);
    expect(databaseBytes()).toBeGreaterThan(30_000_000);
  });

  it('refuses to start on a file that does not exist', async () => {
    await expect(WalCheckpointer.start({ path: dir.file('missing.sqlite') })).rejects.toThrow(/cannot open .*missing\.sqlite/);
  });
});
