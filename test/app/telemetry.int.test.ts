import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleetTopic } from '../../src/protocol/topics.js';
import type { TelemetryBatch, TelemetrySample } from '../../src/protocol/telemetry.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { writeTestKiosk } from '../support/kiosk-config.js';
import { Broker } from '../support/mosquitto.js';
import { loadPublishedSchemas } from '../support/schemas.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { readOutbox } from '../support/outbox-file.js';

const DEVICE = 'kiosk-telemetry-0001';

const heldSamples = (file: string): number => readOutbox(file).telemetry;

describe('telemetry (compiled runtime, real mosquitto)', () => {
  let dir: TempDir;
  let broker: Broker;
  let kiosk: KioskProcess | undefined;
  let backend: MqttClient | undefined;
  const batches: TelemetryBatch[] = [];

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await Broker.create();
    batches.length = 0;
  });
  afterEach(async () => {
    await kiosk?.dispose();
    await backend?.endAsync();
    backend = undefined;
    await broker.dispose();
    dir.remove();
  });

  it('stores samples while offline, sends them in a batch once connected, then one per interval, each valid against the published schema', async () => {
    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      deviceId: DEVICE,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'cardboard', confidence: 0.93, weightGrams: 300 }] },
      overrides: { telemetry: { intervalMs: 1000 } },
    });
    kiosk = new KioskProcess(files.configFile);
    await kiosk.waitForLog('kiosk started');
    await waitFor(() => heldSamples(files.storeFile) >= 3, { description: 'three samples stored offline' });

    await broker.start();
    backend = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    backend.on('message', (_topic, payload) => batches.push(JSON.parse(payload.toString()) as TelemetryBatch));
    await backend.subscribeAsync(fleetTopic('telemetry'), { qos: 1 });
    await waitFor(() => batches.some((batch) => batch.samples.length >= 3), { description: 'the offline samples in one batch', timeoutMs: 30_000 });
    await waitFor(() => batches.length >= 2 && batches.at(-1)!.samples.length === 1, { description: 'then one sample per interval', timeoutMs: 30_000 });
    await waitFor(() => heldSamples(files.storeFile) <= 1, { description: 'sent samples deleted' });

    const validate = loadPublishedSchemas()('telemetry-batch.schema.json');
    for (const batch of batches) expect(validate(batch), JSON.stringify(validate.errors)).toBe(true);
    const samples: TelemetrySample[] = batches.flatMap((batch) => batch.samples);
    const tseqs = samples.map((sample) => sample.tseq);
    expect(tseqs).toEqual([...tseqs].sort((a, b) => a - b));
    expect(new Set(tseqs).size).toBe(tseqs.length);
    const offline = samples[0]!;
    const online = samples.at(-1)!;
    expect(offline.deviceId).toBe(DEVICE);
    expect(offline.sync).toMatchObject({ connected: false, state: 'offline' });
    expect(online.sync.connected).toBe(true);
    expect(online.devices).toEqual({ scale: 'running', barcode: 'running', camera: 'running', gpio: 'running', classifier: 'running' });
    expect(online.queue.lastSeq).toBeGreaterThanOrEqual(2);
    expect(online.storage.intake).toBe('open');
    expect(online.storage.budgetBytes).toBe(512 * 1024 * 1024);
    expect(online.storage.bytesWrittenTotal).toBeGreaterThan(0);
    expect(online.process.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(online.bins).toEqual({ carton: 'unknown', paper: 'unknown', mailer: 'unknown' });
    expect(online.model).toMatchObject({ name: 'scenario', version: '1', state: 'ready' });
  });
});
