/** Fills a kiosk outbox with a backlog of realistic deposit events, fast (bulk transactions), for the sync benchmarks. */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { createSilentLogger } from '../../src/ops/logger.js';
import { EVENT_SCHEMA, type KioskEvent } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { OutboxSegments } from '../../src/store/outbox-segments.js';

const labels = [
  ['cardboard', 'carton'],
  ['paper', 'paper'],
  ['plastic', 'mailer'],
] as const;

export function depositEvent(deviceId: string, seq: number, bootId: string): KioskEvent {
  const [label, route] = labels[seq % labels.length]!;
  return {
    schema: EVENT_SCHEMA,
    id: uuidv7(),
    deviceId,
    seq,
    bootId,
    time: new Date(Date.UTC(2026, 11, 1, 8) + seq * 1000).toISOString(),
    uptimeMs: seq * 1000,
    type: 'deposit.accepted',
    payload: {
      depositId: randomUUID(),
      route,
      label,
      confidence: 0.9123456789,
      weightGrams: 120 + (seq % 300),
      consumerCode: 'KC-P4D8-22LA',
      barcodes: seq % 2 === 0 ? [{ value: 'SF1400039871234', kind: 'waybill' }] : [],
      reasons: [],
      model: 'packaging-v1@1.0.0',
      durationMs: 400 + (seq % 100),
    },
  };
}

/** Writes `count` events as the store would (same rows, same seq counter), in bulk; returns the bytes of event JSON. */
export function fillOutbox(file: string, deviceId: string, count: number): number {
  const db = openDatabase(file, createSilentLogger());
  const bootId = randomUUID();
  // In the store's segments, started where the store would start them.
  const segments = new OutboxSegments(db);
  let bytes = 0;
  db.pragma('synchronous = OFF');
  for (let from = 1; from <= count; from += 20_000) {
    db.transaction(() => {
      for (let seq = from; seq < Math.min(count + 1, from + 20_000); seq += 1) {
        const event = depositEvent(deviceId, seq, bootId);
        const body = JSON.stringify(event);
        bytes += body.length;
        segments.forAppend(seq).insert.run(seq, event.id, event.type, body, event.time);
      }
    })();
  }
  db.prepare("UPDATE meta SET value = ? WHERE key = 'last_seq'").run(count);
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return bytes;
}
