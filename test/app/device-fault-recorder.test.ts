import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceFaultRecorder } from '../../src/app/device-fault-recorder.js';
import type { DeviceLifecycleEvents } from '../../src/hardware/device.js';
import type { Clock } from '../../src/ops/clock.js';
import { ErrorCode, KioskError } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('DeviceFaultRecorder', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let now = 1000;
  const clock: Clock = { bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a', wallNow: () => new Date(), uptimeMs: () => now };
  beforeEach(() => {
    dir = makeTempDir();
    store = new SqliteEventStore(openDatabase(dir.file('kiosk.db'), createSilentLogger()), 'kiosk-1', clock);
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('records a fault and the recovery with how long it lasted, as schema-valid events', () => {
    const recorder = new DeviceFaultRecorder(store, clock, createSilentLogger());
    const scale = new EventEmitter<DeviceLifecycleEvents>();
    recorder.watch('scale', scale);
    scale.emit('fault', new KioskError(ErrorCode.HardwareFault, 'serial port lost'));
    expect(recorder.faulted()).toEqual(['scale']);
    now += 4200;
    scale.emit('recovered');
    const events = store.pending(0, 10, 1 << 20).map((row) => KioskEvent.parse(JSON.parse(row.body)));
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['device.fault', { device: 'scale', code: 102, message: '[E102] serial port lost' }],
      ['device.recovered', { device: 'scale', faultedForMs: 4200 }],
    ]);
    expect(recorder.faulted()).toEqual([]);
    recorder.stop();
    scale.emit('fault', new KioskError(ErrorCode.HardwareFault, 'after stop'));
    expect(store.stats().total).toBe(2);
  });
});
