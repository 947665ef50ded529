import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { processWriteBytes, WriteMeter } from '../../src/store/write-meter.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('WriteMeter (flash wear)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('reads write_bytes from a /proc/<pid>/io file, and nothing from a file without it', () => {
    writeFileSync(dir.file('io'), 'rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 81920\ncancelled_write_bytes: 0\n');
    expect(processWriteBytes(dir.file('io'))).toBe(81920);
    writeFileSync(dir.file('odd'), 'nothing useful\n');
    expect(processWriteBytes(dir.file('odd'))).toBeUndefined();
    expect(processWriteBytes(dir.file('missing'))).toBeUndefined();
  });

  it('adds what was written per local day and in total, across a reopen', () => {
    let counter = 1000;
    const file = dir.file('kiosk.db');
    const db = openDatabase(file, createSilentLogger());
    const meter = new WriteMeter(db, () => counter);
    counter += 500;
    expect(meter.record(new Date(2026, 11, 1, 10))).toEqual({ today: 500, total: 500 });
    counter += 250;
    expect(meter.record(new Date(2026, 11, 1, 23))).toEqual({ today: 750, total: 750 });
    counter += 100;
    expect(meter.record(new Date(2026, 11, 2, 0, 5))).toEqual({ today: 100, total: 850 });
    db.close();
    // A restarted process starts its own counter at whatever the kernel says; only what it writes from then on is added.
    const reopened = openDatabase(file, createSilentLogger());
    counter = 40;
    const again = new WriteMeter(reopened, () => counter);
    counter = 60;
    expect(again.record(new Date(2026, 11, 2, 8))).toEqual({ today: 120, total: 870 });
    reopened.close();
  });

  it('counts this process’s real writes: an fsync’d 256 KiB commit shows in the kernel’s count', () => {
    const before = processWriteBytes();
    expect(before).toBeTypeOf('number');
    const db = openDatabase(dir.file('real.db'), createSilentLogger());
    db.exec('CREATE TABLE t (x BLOB)');
    db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(256 * 1024, 1));
    db.close();
    expect(processWriteBytes()! - before!).toBeGreaterThanOrEqual(256 * 1024);
  });
});
