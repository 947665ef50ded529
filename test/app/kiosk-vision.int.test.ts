import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kiosk } from '../../src/app/kiosk.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { loadDeviceConfig } from '../../src/ops/config/load.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent } from '../../src/protocol/events.js';
import { createClassifier } from '../../src/vision/create-classifier.js';
import { writeTestKiosk } from '../support/kiosk-config.js';
import { projectRoot } from '../support/paths.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

const modelDir = join(projectRoot, 'models', 'packaging-v1');
const emptyChamber = join(modelDir, 'empty-validation', 'empty-000.jpg');

/**
 * The simulated kiosk with the shipped model: the camera simulator streams the
 * scenario's photos, the real MJPEG driver grabs them, and the ONNX classifier
 * decides. What the model says is checked against the model itself, so the test
 * proves the path, not the model's accuracy (the model card and eval script do that).
 */
describe('the simulated kiosk classifies with the shipped model', () => {
  let dir: TempDir;
  let kiosk: Kiosk | undefined;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await kiosk?.stop();
    dir.remove();
  });

  it('routes by the model, and refuses a weighed item the camera cannot see', async () => {
    // A picture of the empty chamber with 300 g on the scale is an item the camera cannot see;
    // the second item shows the simulator's placeholder frame (a brown box on a grey floor).
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: {
        scenarioVersion: 1,
        passes: 1,
        idleMs: 0,
        items: [
          { label: 'empty', weightGrams: 300, image: emptyChamber },
          { label: 'unknown', weightGrams: 120 },
        ],
      },
      overrides: { classifier: { kind: 'onnx', modelDir, threads: 1 } },
    });
    const { config } = loadDeviceConfig(files.configFile);
    kiosk = new Kiosk({ config, clock: createSystemClock(), logger: createSilentLogger() });
    await kiosk.start();

    const deposits = await waitFor(
      () => {
        const events = kiosk!.store.pending(0, 100, 1 << 24).map((row) => KioskEvent.parse(JSON.parse(row.body)));
        const found = events.filter((e) => e.type.startsWith('deposit.'));
        return found.length === 2 ? found : undefined;
      },
      { description: 'two deposits', timeoutMs: 30_000 },
    );
    const [unseen, second] = deposits;
    expect(unseen?.type).toBe('deposit.rejected');
    expect(unseen?.type === 'deposit.rejected' && unseen.payload).toMatchObject({ label: 'empty', reasons: ['item-not-visible'], model: 'packaging-v1@1.0.0' });

    // The same photo through a classifier of its own gives the label the kiosk recorded.
    const reference = createClassifier({ kind: 'onnx', modelDir, threads: 1, chamber: { left: 0, top: 0, width: 1, height: 1 }, weightRanges: {} });
    await reference.start();
    const expected = await reference.classify(PLACEHOLDER_FRAME_JPEG);
    await reference.stop();
    expect(second?.type.startsWith('deposit.') && (second.payload as { label: string }).label).toBe(expected.scores[0]?.label);
  });

  it('keeps running on a corrupt model: one device.fault, and every item refused as classifier-unavailable', async () => {
    const brokenModel = join(dir.path, 'broken-model');
    mkdirSync(brokenModel);
    copyFileSync(join(modelDir, 'manifest.json'), join(brokenModel, 'manifest.json'));
    writeFileSync(join(brokenModel, 'model.onnx'), Buffer.alloc(4096, 0x5a)); // same name, garbage bytes
    const files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'cardboard', weightGrams: 250 }] },
      overrides: { classifier: { kind: 'onnx', modelDir: brokenModel, threads: 1 } },
    });
    const { config } = loadDeviceConfig(files.configFile);
    kiosk = new Kiosk({ config, clock: createSystemClock(), logger: createSilentLogger() });
    await kiosk.start();

    const events = await waitFor(
      () => {
        const all = kiosk!.store.pending(0, 100, 1 << 24).map((row) => KioskEvent.parse(JSON.parse(row.body)));
        return all.some((e) => e.type.startsWith('deposit.')) ? all : undefined;
      },
      { description: 'the deposit', timeoutMs: 30_000 },
    );
    const faults = events.filter((e) => e.type === 'device.fault');
    expect(faults).toHaveLength(1);
    expect(faults[0]?.type === 'device.fault' && faults[0].payload.device).toBe('classifier');
    const deposit = events.find((e) => e.type.startsWith('deposit.'));
    expect(deposit?.type).toBe('deposit.rejected');
    expect(deposit?.type === 'deposit.rejected' && deposit.payload.reasons).toEqual(['classifier-unavailable']);
  });
});
