/** Runs in the ingest's writer thread (started by ingest-writer.ts): one IngestStore, requests answered in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { IngestStore } from './ingest-store.js';
import type { WriterReply, WriterRequest } from './ingest-writer.js';

const port = parentPort;
if (!port) throw new Error('ingest-writer-thread runs as a worker thread');
const reply = (message: WriterReply): void => port.postMessage(message);

let store: IngestStore;
try {
  const { storePath, autoCheckpoint } = workerData as { storePath: string; autoCheckpoint: boolean };
  store = new IngestStore(storePath, { autoCheckpoint });
  reply({ kind: 'ready' });
} catch (error) {
  reply({ kind: 'failed', message: `cannot open ingest store: ${(error as Error).message}` });
  process.exit(1);
}

port.on('message', (request: WriterRequest) => {
  try {
    switch (request.kind) {
      case 'store': {
        const outcome = store.store(request.batches, request.receivedAt);
        reply({ kind: 'stored', stored: outcome.stored, duplicates: outcome.duplicates, acks: [...outcome.acks] });
        break;
      }
      case 'park':
        store.park(request.entry, request.receivedAt);
        reply({ kind: 'done' });
        break;
      case 'close':
        store.close();
        reply({ kind: 'done' });
        break;
    }
  } catch (error) {
    reply({ kind: 'failed', message: (error as Error).message });
  }
});
