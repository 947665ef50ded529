import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/fleet/ingest-store.js';
import { IngestWriter } from '../../src/fleet/ingest-writer.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const at = '2026-12-01T10:00:00.000Z';
const batch = (seqs: number[]) => ({ deviceId: 'a', payload: Buffer.from(JSON.stringify({ events: seqs.map((seq) => ({ seq, id: `id-${seq}` })) })), seqs });

describe('IngestWriter (the store in its own thread, a real SQLite file)', () => {
  let dir: TempDir;
  let writer: IngestWriter | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    dir.remove();
  });

  it('commits in order and answers with the watermarks; a reader sees what it committed', async () => {
    writer = await IngestWriter.start(dir.file('ingest.db'));
    const [first, second] = await Promise.all([writer.store([batch([1, 2])], at), writer.store([batch([4]), batch([3])], at)]);
    expect(first.acks).toEqual(new Map([['a', 2]]));
    expect(second).toMatchObject({ stored: 2, duplicates: 0, acks: new Map([['a', 4]]) });
    const reader = new IngestStore(dir.file('ingest.db'), { readOnly: true });
    expect(reader.eventsOf('a').map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    reader.close();
  });

  it('reports a thread that died, and refuses to store after it rather than pretend', async () => {
    writer = await IngestWriter.start(dir.file('ingest.db'));
    const deaths: Error[] = [];
    writer.onDeath = (error) => deaths.push(error);
    // Fault injection: end the thread from outside, as a crash would.
    await (writer as unknown as { worker: Worker }).worker.terminate();
    expect(deaths).toHaveLength(1);
    await expect(writer.store([batch([1])], at)).rejects.toThrow(/writer thread exited/);
  });

  it('does not report a close as a death', async () => {
    writer = await IngestWriter.start(dir.file('ingest.db'));
    const deaths: Error[] = [];
    writer.onDeath = (error) => deaths.push(error);
    await writer.close();
    writer = undefined;
    expect(deaths).toEqual([]);
  });
});
