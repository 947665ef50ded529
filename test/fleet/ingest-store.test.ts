import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchValidator } from '../../src/fleet/batch-validator.js';
import { IngestStore } from '../../src/fleet/ingest-store.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const at = '2026-12-01T10:00:00.000Z';
/** A message as the validator hands it on: the payload and its events' keys. */
function msg(deviceId: string, seqs: number[], idOf = (seq: number) => `id-${seq}`) {
  const events = seqs.map((seq, index) => ({ seq, id: idOf(seq), type: 'kiosk.started', index }));
  return { deviceId, payload: JSON.stringify({ events: events.map((event) => ({ seq: event.seq, id: event.id, type: event.type })) }), events };
}

describe('IngestStore (real SQLite file)', () => {
  let dir: TempDir;
  let store: IngestStore;
  beforeEach(() => {
    dir = makeTempDir();
    store = new IngestStore(dir.file('ingest.db'));
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('drops duplicates by (deviceId, seq), raises the watermark only over contiguous seqs, and reports the gaps', () => {
    expect(store.store([msg('a', [1, 2, 5])], at)).toMatchObject({ stored: 3, duplicates: 0, acks: new Map([['a', 2]]) });
    expect(store.progress('a')).toMatchObject({ ackedSeq: 2, maxSeq: 5, gaps: [[3, 4]] });
    // A repeat of stored events re-sends the watermark: the kiosk evidently missed it.
    expect(store.store([msg('a', [2, 5])], at)).toMatchObject({ stored: 0, duplicates: 2, acks: new Map([['a', 2]]) });
    expect(store.store([msg('a', [4]), msg('b', [1])], at).acks).toEqual(new Map([['b', 1]]));
    expect(store.store([msg('a', [3])], at).acks).toEqual(new Map([['a', 5]]));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 5, events: 5, duplicates: 2, conflicts: 0, gaps: [] });
    expect(store.eventsOf('a').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('counts a repeat that is another event (another id) as a conflict and keeps the first copy', () => {
    store.store([msg('a', [1], () => 'first')], at);
    store.store([msg('a', [1], () => 'second')], at);
    store.store([msg('a', [1], () => 'first')], at);
    expect(store.progress('a')).toMatchObject({ conflicts: 1, duplicates: 2 });
    expect(JSON.parse(store.eventsOf('a')[0]!.body)).toEqual({ seq: 1, id: 'first', type: 'kiosk.started' });
  });

  it('picks up its watermark and the events above a gap after a restart', () => {
    store.store([msg('a', [1, 3])], at);
    store.close();
    store = new IngestStore(dir.file('ingest.db'));
    expect(store.progress('a')).toMatchObject({ ackedSeq: 1, gaps: [[2, 2]] });
    expect(store.store([msg('a', [2])], at).acks).toEqual(new Map([['a', 3]]));
  });
});

describe('BatchValidator', () => {
  const validator = new BatchValidator();
  const event = {
    schema: 'kiosk.event/1',
    id: '01a209a2-d0b8-738e-ba2a-be6e9b1fd48b',
    deviceId: 'k1',
    seq: 1,
    bootId: '6750e39c-0c12-4b27-894c-fb1a3f92faf1',
    time: '2026-11-23T18:19:54.937Z',
    uptimeMs: 8,
    type: 'kiosk.started',
    payload: { runtimeVersion: '0.1.0', configVersion: 1 },
  };
  const batch = (events: object[], extra: object = {}) => Buffer.from(JSON.stringify({ schema: 'kiosk.events-batch/1', deviceId: 'k1', events, ...extra }));

  it.each([
    ['a valid batch', batch([event]), true, undefined],
    ['a batch with a field a minor version added', batch([{ ...event, addedLater: 1 }], { alsoNew: true }), true, undefined],
    ['not JSON', Buffer.from('{"schema":'), false, 'not-json'],
    ['a newer batch format', batch([event], { schema: 'kiosk.events-batch/2' }), false, 'unknown-version'],
    ['a newer event format', batch([{ ...event, schema: 'kiosk.event/2' }]), false, 'unknown-version'],
    ['an event without seq', batch([{ ...event, seq: undefined }]), false, 'invalid'],
    ['an empty batch', batch([]), false, 'invalid'],
    ['another device in the payload than in the topic', batch([{ ...event, deviceId: 'k2' }]), false, 'device-mismatch'],
  ] as const)('%s', (_name, payload, ok, reason) => {
    const verdict = validator.check('k1', payload);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toBe(reason);
  });
});
