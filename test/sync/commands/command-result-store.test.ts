import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { openDatabase } from '../../../src/store/database.js';
import { commandResult } from '../../../src/sync/commands/command-result.js';
import { CommandResultStore } from '../../../src/sync/commands/command-result-store.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';

describe('command results in SQLite', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const at = (iso: string): Date => new Date(iso);
  const result = (commandId: string, status: 'in-progress' | 'ok') => ({ ...commandResult('kiosk-1', { commandId, type: 'sync.now', status }, at('2026-11-23T12:00:00.000Z')), commandId });

  it('keeps the first result of an id, updates it to the final one, and survives reopening the file', () => {
    const file = dir.file('kiosk.db');
    let db = openDatabase(file, createSilentLogger());
    let store = new CommandResultStore(db);
    expect(store.insert(result('cmd-00000001', 'in-progress'), at('2026-11-23T12:00:00.000Z'), at('2026-11-23T13:05:00.000Z'))).toBe(true);
    expect(store.insert(result('cmd-00000001', 'ok'), at('2026-11-23T12:00:01.000Z'), at('2026-11-23T13:05:00.000Z'))).toBe(false);
    expect(store.get('cmd-00000001')?.status).toBe('in-progress');
    expect(store.inProgress().map((r) => r.commandId)).toEqual(['cmd-00000001']);
    store.update(result('cmd-00000001', 'ok'));
    expect(store.inProgress()).toEqual([]);
    db.close();

    db = openDatabase(file, createSilentLogger());
    store = new CommandResultStore(db);
    expect(store.get('cmd-00000001')).toMatchObject({ commandId: 'cmd-00000001', status: 'ok', duplicate: false });
    expect(store.get('cmd-00000002')).toBeUndefined();
    db.close();
  });

  it('forgets results once their forget_after has passed, and only those', () => {
    const db = openDatabase(dir.file('kiosk.db'), createSilentLogger());
    const store = new CommandResultStore(db);
    store.insert(result('cmd-00000001', 'ok'), at('2026-11-23T12:00:00.000Z'), at('2026-11-23T13:00:00.000Z'));
    store.insert(result('cmd-00000002', 'ok'), at('2026-11-23T12:00:00.000Z'), at('2026-11-23T14:00:00.000Z'));
    expect(store.prune(at('2026-11-23T13:00:00.000Z'))).toBe(0);
    expect(store.prune(at('2026-11-23T13:00:00.001Z'))).toBe(1);
    expect(store.get('cmd-00000001')).toBeUndefined();
    expect(store.get('cmd-00000002')).toBeDefined();
    db.close();
  });
});
