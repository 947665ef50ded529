import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { createSilentLogger } from '../../src/ops/logger.js';
import { TELEMETRY_SCHEMA, type TelemetrySample } from '../../src/protocol/telemetry.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { StorageBudget, type IntakeState } from '../../src/store/storage-budget.js';
import { TelemetryStore } from '../../src/store/telemetry-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const clock = { bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a', wallNow: () => new Date('2026-12-01T10:00:00.000Z'), uptimeMs: () => 5 };
const MIB = 1024 * 1024;

function sample(tseq: number, padding = 0): TelemetrySample {
  return {
    schema: TELEMETRY_SCHEMA,
    deviceId: 'kiosk-1',
    tseq,
    bootId: clock.bootId,
    time: '2026-12-01T10:00:00.000Z',
    uptimeMs: tseq,
    process: { rssBytes: 1, heapUsedBytes: 1, eventLoopLagMs: { p50: 0, p99: 0, max: 0 }, cpuPercent: 0 },
    system: { cpuTemperatureC: null, diskFreeBytes: null, diskTotalBytes: null, load1: 0 },
    storage: { databaseBytes: 0, budgetBytes: 0, bytesWrittenToday: 0, bytesWrittenTotal: 0, telemetryDropped: 0, intake: 'open' },
    queue: { depth: 0, oldestAgeMs: null, lastSeq: 0, ackedSeq: 0 },
    sync: { connected: false, state: 'offline', parkedReason: 'x'.repeat(padding) },
    devices: {},
    bins: {},
    model: { name: 'm', version: '1', state: 'ready' },
  };
}

describe('disk budget (real SQLite file)', () => {
  let dir: TempDir;
  let db: Database;
  let events: SqliteEventStore;
  let telemetry: TelemetryStore;
  beforeEach(() => {
    dir = makeTempDir();
    db = openDatabase(dir.file('kiosk.db'), createSilentLogger());
    events = new SqliteEventStore(db, 'kiosk-1', clock);
    telemetry = new TelemetryStore(db);
  });
  afterEach(() => {
    events.close();
    dir.remove();
  });

  const budget = (budgetBytes: number, reserveFreeBytes = 0): StorageBudget =>
    new StorageBudget(db, dir.file('kiosk.db'), telemetry, { budgetBytes, reserveFreeBytes }, createSilentLogger());

  it('thins telemetry first, counting every drop, and keeps the newest samples', () => {
    for (let i = 1; i <= 400; i += 1) telemetry.append((tseq) => sample(tseq, 4000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    const used = budget(64 * MIB).usedBytes();
    const report = budget(Math.floor(used / 0.9 / 2)).evaluate();
    expect(report.intake).toEqual({ open: true });
    expect(telemetry.dropped).toBeGreaterThan(0);
    expect(telemetry.size + telemetry.dropped).toBe(400);
    const kept = telemetry.pending(0, 1000, 1 << 30).map((entry) => entry.tseq);
    expect(kept.at(-1)).toBe(400);
    expect(report.telemetryDropped).toBe(telemetry.dropped);
  });

  it('never drops an event: with only events left over the budget, intake pauses until acknowledgements free space', () => {
    const big = { type: 'kiosk.started' as const, payload: { runtimeVersion: 'x'.repeat(3000), configVersion: 1 } };
    for (let i = 0; i < 600; i += 1) events.append(big);
    const changes: IntakeState[] = [];
    const guard = budget(1 * MIB);
    guard.on('intake', (state) => changes.push(state));
    expect(guard.evaluate().intake).toEqual({ open: false, reason: 'storage-budget' });
    expect(events.stats().total).toBe(600);
    // Evaluating again changes nothing (no repeated events); acknowledged rows free space and intake reopens.
    guard.evaluate();
    events.acknowledge(500);
    expect(guard.evaluate().intake).toEqual({ open: true });
    expect(changes).toEqual([{ open: false, reason: 'storage-budget' }, { open: true }]);
  });

  it('pauses intake as disk-full when the filesystem has less free space than the reserve', () => {
    const report = budget(64 * MIB, Number.MAX_SAFE_INTEGER).evaluate();
    expect(report.intake).toEqual({ open: false, reason: 'disk-full' });
    expect(report.diskFreeBytes).toBeGreaterThan(0);
  });
});
