import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_CHAMBER_REFERENCE_PATH } from '../../src/app/console-devices/camera-console.js';
import { PLACEHOLDER_FRAME_JPEG } from '../../src/hardware/camera/placeholder-frame.js';
import { projectRoot } from '../support/paths.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { closeDeviceSession, jsonOf, openDeviceSession, type DeviceSession } from './devices-session.js';

const modelDir = join(projectRoot, 'models', 'packaging-v1');
const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { labels: string[]; model: { sha256: string; bytes: number } };
const emptyChamber = readFileSync(join(modelDir, 'empty-validation', 'empty-000.jpg'));

describe('model info with the scenario classifier', () => {
  let session: DeviceSession | undefined;
  beforeAll(async () => {
    session = await openDeviceSession();
  });
  afterAll(async () => {
    await closeDeviceSession(session);
  });

  it('names the classifier, says it has no model file, shows the last inference and the routes table', async () => {
    const info = await (session as DeviceSession).tech.run('model info');
    expect(info).toContain('model:     scenario@1 (scenario)');
    expect(info).toContain('health:    running');
    expect(info).toContain('note:      the scenario classifier has no model file; it reads the simulated frame tags');
    // The scenario's one item (paper, 0.95) was the last thing classified.
    expect(info).toMatch(/last: +paper 0\.95 at \d{4}-\d\d-\d\dT[^ ]+ \(\d+s ago, scenario@1\)/);
    expect(info).toMatch(/routes:\r\n {2}cardboard +-> carton \(diverter-carton\)\r\n {2}paper +-> paper \(diverter-paper\)\r\n {2}plastic +-> mailer \(diverter-mailer\)/);
    expect(await (session as DeviceSession).tech.run('model')).toContain('model:     scenario@1');
  });
});

/**
 * The shipped ONNX model in the simulated kiosk: `model info` reports what was
 * loaded, and `camera reference` makes the RUNNING classifier compare frames
 * with the new empty-chamber picture (OnnxClassifier.reloadReference).
 */
describe('model info and camera reference with the ONNX classifier', () => {
  let dir: TempDir;
  let session: DeviceSession | undefined;
  const s = (): DeviceSession => session as DeviceSession;
  const referencePath = (): string => dir.file('chamber/empty-reference.jpg');

  beforeAll(async () => {
    dir = makeTempDir();
    session = await openDeviceSession({ classifier: { kind: 'onnx', modelDir, threads: 1, emptyReference: { path: referencePath(), maxDifference: 0.1 } } }, dir);
  });
  afterAll(async () => {
    await closeDeviceSession(session);
    dir?.remove();
  });

  it('reports name@version, labels, input, sha256, threads, health, reference, last inference and routes', async () => {
    const info = await s().tech.run('model info');
    expect(info).toContain('model:     packaging-v1@1.0.0 (onnx)');
    expect(info).toContain('health:    running');
    expect(info).toContain(`labels:    ${manifest.labels.join(', ')}`);
    expect(info).toContain('input:     input 128x96x3 NCHW RGB, resize fill');
    expect(info).toContain(`sha256:    ${manifest.model.sha256} (${manifest.model.bytes} bytes)`);
    expect(info).toContain('threads:   1');
    expect(info).toContain(`reference: ${referencePath()} (not stored yet: run camera reference)`);
    expect(info).toMatch(/last: +\S+ [\d.]+ at \d{4}-[^ ]+ \(\d+s ago, packaging-v1@1\.0\.0\)/);
    const json = jsonOf(await s().tech.run('model info --json'));
    expect(json.data).toMatchObject({
      model: 'packaging-v1@1.0.0',
      kind: 'onnx',
      threads: 1,
      manifest: { sha256: manifest.model.sha256, input: { width: 128, height: 96, layout: 'NCHW' }, emptyLabel: 'empty' },
      routes: [{ label: 'cardboard', bin: 'carton' }, { label: 'paper', bin: 'paper' }, { label: 'plastic', bin: 'mailer' }],
    });
  });

  it('stores the empty-chamber reference at the configured path and makes the running classifier use it', async () => {
    const { classifier } = s().running.kiosk;
    expect((await classifier.classify(emptyChamber)).chamber).toBeUndefined();

    const wanted = await sharp(emptyChamber).metadata();
    s().world.camera.show(emptyChamber);
    await waitFor(
      async () => (await sharp((await s().running.kiosk.devices.camera.grab()).jpeg).metadata()).width === wanted.width,
      { description: 'the camera streaming the empty chamber', timeoutMs: 10_000 },
    );
    const output = await s().tech.run('camera reference');
    expect(output).toContain(`reference stored: ${referencePath()}`);
    expect(output).toContain('classifier: packaging-v1@1.0.0: the running classifier now compares frames with it');
    expect(existsSync(referencePath())).toBe(true);
    expect(s().running.kiosk.settings.get(SETTING_CHAMBER_REFERENCE_PATH)).toBe(referencePath());

    // The same picture now matches the reference; the placeholder scene (a box on the floor) does not.
    const same = await classifier.classify(emptyChamber);
    expect(same.chamber?.maxDifference).toBe(0.1);
    expect(same.chamber?.difference).toBeLessThan(0.1);
    const boxed = await classifier.classify(PLACEHOLDER_FRAME_JPEG);
    expect(boxed.chamber?.difference).toBeGreaterThan(0.1);

    expect(await s().tech.run('model info')).toContain(`reference: ${referencePath()} (stored)`);
    s().world.camera.show(PLACEHOLDER_FRAME_JPEG);
  });
});
