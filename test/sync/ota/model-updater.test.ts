import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/ops/errors.js';
import type { ModelPackage } from '../../../src/protocol/model-package.js';
import { Staging } from '../../../src/sync/ota/staging.js';
import type { UpdateOutcome, UpdateProgress } from '../../../src/sync/ota/update-outcome.js';
import { otaModelsRoot } from '../../../src/vision/model-store/layout.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { solidJpeg } from '../../vision/support/images.js';
import { ModelServer } from './support/model-server.js';
import { BLACK, BROWN, CHAMBER, WHITE, servePackage, writeTestModel, type ModelKind } from './support/ota-models.js';
import { OtaRig, RIG_CHUNK_BYTES, type RigOptions } from './support/ota-rig.js';

const FACTORY = { name: 'packaging-tiny', version: '1.0.0' };

describe('ModelUpdater (real files, a real HTTP server, the real onnxruntime)', () => {
  let dir: TempDir;
  let server: ModelServer;
  const rigs: OtaRig[] = [];
  let brownFrame: Buffer;

  async function startRig(options: Partial<RigOptions> = {}): Promise<OtaRig> {
    const rig = new OtaRig({ databaseFile: dir.file('data/kiosk.db'), factoryDir: dir.file('factory'), ...options });
    rigs.push(rig);
    return rig.start();
  }

  async function stopRig(rig: OtaRig): Promise<void> {
    rigs.splice(rigs.indexOf(rig), 1);
    await rig.stop();
  }

  async function release(version: string, kind: ModelKind = 'good', name = 'packaging-tiny'): Promise<ModelPackage> {
    const source = await writeTestModel(dir.file(`releases/${name}-${version}`), { name, version, kind });
    return servePackage(server, source, { name, version });
  }

  beforeEach(async () => {
    dir = makeTempDir('kiosk-ota-');
    server = await ModelServer.start();
    await writeTestModel(dir.file('factory'), { ...FACTORY });
    brownFrame = await solidJpeg(64, 48, BROWN);
  });

  afterEach(async () => {
    for (const rig of rigs.splice(0)) await rig.stop();
    await server.stop();
    dir.remove();
  });

  it('happy path: downloads, verifies, smoke-tests, installs, switches between classifications, reports, and survives a restart', async () => {
    const rig = await startRig();
    expect(rig.classifier.model).toBe('packaging-tiny@1.0.0');
    const pkg = await release('2.0.0');
    const progress: UpdateProgress[] = [];
    const outcome = await rig.updater.update(pkg, { commandId: 'cmd-0001', onProgress: (step) => progress.push(step) });

    expect(outcome).toMatchObject({ status: 'ok', model: 'packaging-tiny@2.0.0', previous: 'packaging-tiny@1.0.0', alreadyActive: false, resumedBytes: 0, commandId: 'cmd-0001' });
    expect(outcome.status === 'ok' && outcome.downloadedBytes).toBe(pkg.files.reduce((sum, file) => sum + file.sizeBytes, 0));
    expect(outcome.status === 'ok' && outcome.smoke).toEqual({ images: 8, emptyReference: 'skipped' });
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
    expect(rig.classifier.modelDir).toBe(join(rig.store.root, 'packaging-tiny@2.0.0'));
    expect(new Set(progress.map((step) => step.stage))).toEqual(new Set(['download', 'verify', 'smoke-test', 'install', 'switch']));
    expect(progress.filter((step) => step.stage === 'download').at(-1)?.doneBytes).toBe(progress[0]?.totalBytes);

    // Installed as one directory, the staging area gone, the pointer on trial.
    expect(readdirSync(rig.store.root).sort()).toEqual(['.staging', 'active.json', 'packaging-tiny@2.0.0']);
    expect(readdirSync(join(rig.store.root, '.staging'))).toEqual([]);
    expect(readdirSync(join(rig.store.root, 'packaging-tiny@2.0.0')).sort()).toEqual(['manifest.json', 'model.onnx']);
    expect(rig.store.pointer()).toMatchObject({ current: 'packaging-tiny@2.0.0', previous: null, trial: { commandId: 'cmd-0001' } });

    const [event] = rig.otaEvents();
    expect(event).toMatchObject({ type: 'model.updated', payload: { model: 'packaging-tiny@2.0.0', previous: 'packaging-tiny@1.0.0', commandId: 'cmd-0001', smokeImages: 8, emptyReferenceChecked: false } });

    // The health check: three classifications by the new model end the trial.
    for (let index = 0; index < 3; index += 1) {
      const classification = await rig.classifier.classify(brownFrame);
      expect(classification.model).toBe('packaging-tiny@2.0.0');
      expect(classification.scores[0]?.label).toBe('cardboard');
    }
    expect(rig.store.pointer()?.trial).toBeNull();

    await stopRig(rig);
    const restarted = await startRig();
    expect(restarted.classifier.model).toBe('packaging-tiny@2.0.0');
    expect((await restarted.classifier.classify(brownFrame)).scores[0]?.label).toBe('cardboard');
  });

  it('a classification already queued on the old session finishes on it; the next one runs on the new model', async () => {
    const rig = await startRig();
    await writeTestModel(dir.file('releases/packaging-tiny-2.0.0'), { name: 'packaging-tiny', version: '2.0.0' });
    const next = await rig.classifier.openPipeline(dir.file('releases/packaging-tiny-2.0.0'));
    const before = rig.classifier.classify(brownFrame);
    const swapped = rig.classifier.swapPipeline(next, dir.file('releases/packaging-tiny-2.0.0'));
    const after = rig.classifier.classify(brownFrame);
    await swapped;
    expect((await before).model).toBe('packaging-tiny@1.0.0');
    expect((await after).model).toBe('packaging-tiny@2.0.0');
  });

  it('keeps the current and the previous model, and deletes older ones', async () => {
    const rig = await startRig();
    for (const version of ['2.0.0', '3.0.0', '4.0.0']) {
      expect(await rig.updater.update(await release(version))).toMatchObject({ status: 'ok' });
    }
    expect(rig.store.pointer()).toMatchObject({ current: 'packaging-tiny@4.0.0', previous: 'packaging-tiny@3.0.0' });
    expect(readdirSync(rig.store.root).filter((entry) => entry.includes('@')).sort()).toEqual(['packaging-tiny@3.0.0', 'packaging-tiny@4.0.0']);
    expect(rig.otaEvents().map((event) => event.type === 'model.updated' && event.payload.previous)).toEqual(['packaging-tiny@1.0.0', 'packaging-tiny@2.0.0', 'packaging-tiny@3.0.0']);
  });

  it('the running version again is no update: ok, alreadyActive, nothing downloaded, no event', async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0');
    await rig.updater.update(pkg);
    const requests = server.requests.length;
    expect(await rig.updater.update(pkg)).toMatchObject({ status: 'ok', alreadyActive: true, downloadedBytes: 0 });
    expect(server.requests).toHaveLength(requests);
    expect(rig.otaEvents()).toHaveLength(1);
  });

  async function expectRefused(rig: OtaRig, outcome: UpdateOutcome, expected: { stage: string; code: number; message?: RegExp }): Promise<void> {
    expect(outcome).toMatchObject({ status: 'failed', stage: expected.stage, error: { code: expected.code }, active: 'packaging-tiny@1.0.0', rolledBack: false });
    if (expected.message && outcome.status === 'failed') expect(outcome.error.message).toMatch(expected.message);
    // The old model runs on, nothing was installed or pointed at, the failure is in the outbox.
    expect(rig.classifier.model).toBe('packaging-tiny@1.0.0');
    expect((await rig.classifier.classify(brownFrame)).model).toBe('packaging-tiny@1.0.0');
    expect(rig.store.pointer()).toBeNull();
    expect(readdirSync(rig.store.root).filter((entry) => entry.includes('@'))).toEqual([]);
    expect(rig.otaEvents().at(-1)).toMatchObject({ type: 'model.update-failed', payload: { stage: expected.stage, code: expected.code, rolledBack: false, active: 'packaging-tiny@1.0.0' } });
  }

  it('a file whose sha256 differs from the package (one corrupted byte on the server) is refused; the old model stays', async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0');
    server.faults = { corrupt: { path: '/packaging-tiny/2.0.0/model.onnx', offset: 100 } };
    await expectRefused(rig, await rig.updater.update(pkg), { stage: 'download', code: ErrorCode.OtaFileMismatch, message: /sha256/ });
    expect(readdirSync(join(rig.store.root, '.staging'))).toEqual([]);
  });

  it("a package whose model's manifest.json does not match it is refused", async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0');
    await expectRefused(rig, await rig.updater.update({ ...pkg, version: '2.0.1' }), { stage: 'verify', code: ErrorCode.OtaPackageInvalid, message: /version is "2.0.0"/ });
  });

  it('a model whose outputs are NaN fails its smoke test; the old model stays', async () => {
    const rig = await startRig();
    await expectRefused(rig, await rig.updater.update(await release('2.0.0', 'nan')), { stage: 'smoke-test', code: ErrorCode.OtaSmokeTestFailed, message: /NaN/ });
  });

  it('a model with the wrong label count fails its smoke test; the old model stays', async () => {
    const rig = await startRig();
    await expectRefused(rig, await rig.updater.update(await release('2.0.0', 'wrong-label-count')), { stage: 'smoke-test', code: ErrorCode.OtaSmokeTestFailed, message: /E204/ });
  });

  it('a model that no longer sees the calibrated empty chamber as empty fails its smoke test', async () => {
    writeFileSync(dir.file('chamber.jpg'), await solidJpeg(64, 48, CHAMBER));
    const rig = await startRig({ emptyReference: dir.file('chamber.jpg') });
    await expectRefused(rig, await rig.updater.update(await release('2.0.0', 'blind-to-empty')), { stage: 'smoke-test', code: ErrorCode.OtaSmokeTestFailed, message: /empty chamber/ });
    const good = await rig.updater.update(await release('3.0.0'));
    expect(good).toMatchObject({ status: 'ok', smoke: { emptyReference: 'passed' } });
  });

  it('rolls back when the new model faults after the switch, and reports it', async () => {
    const rig = await startRig();
    expect(await rig.updater.update(await release('2.0.0', 'nan-on-dark'), { commandId: 'cmd-0002' })).toMatchObject({ status: 'ok' });
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
    const outcomes: UpdateOutcome[] = [];
    rig.updater.on('outcome', (outcome) => outcomes.push(outcome));

    // Bright frames are fine (log of a positive mean colour); a dark one gives NaN scores.
    expect((await rig.classifier.classify(await solidJpeg(64, 48, WHITE))).model).toBe('packaging-tiny@2.0.0');
    await expect(rig.classifier.classify(await solidJpeg(64, 48, BLACK))).rejects.toThrow(/NaN/);
    await waitFor(() => rig.classifier.model === 'packaging-tiny@1.0.0', { description: 'the factory model back' });

    expect((await rig.classifier.classify(brownFrame)).model).toBe('packaging-tiny@1.0.0');
    await waitFor(() => outcomes.length === 1, { description: 'the rollback outcome' });
    expect(outcomes[0]).toMatchObject({ status: 'failed', stage: 'health-check', rolledBack: true, active: 'packaging-tiny@1.0.0', commandId: 'cmd-0002', error: { code: ErrorCode.OtaRolledBack } });
    expect(rig.store.pointer()).toMatchObject({ current: null, trial: null });
    expect(rig.otaEvents().map((event) => event.type)).toEqual(['model.updated', 'model.update-failed']);
    expect(rig.otaEvents()[1]).toMatchObject({ payload: { model: 'packaging-tiny@2.0.0', stage: 'health-check', rolledBack: true, active: 'packaging-tiny@1.0.0' } });

    // And at the next start the factory model loads.
    await stopRig(rig);
    expect((await startRig()).classifier.model).toBe('packaging-tiny@1.0.0');
  });

  it("a frame the camera sent broken is no fault of the model: the health check neither fails nor counts it", async () => {
    const rig = await startRig();
    await rig.updater.update(await release('2.0.0'));
    await expect(rig.classifier.classify(Buffer.from('not a jpeg'))).rejects.toMatchObject({ code: ErrorCode.FrameUndecodable });
    await rig.classifier.classify(brownFrame);
    await rig.classifier.classify(brownFrame);
    expect(rig.store.pointer()?.trial).not.toBeNull();
    await rig.classifier.classify(brownFrame);
    expect(rig.store.pointer()).toMatchObject({ current: 'packaging-tiny@2.0.0', trial: null });
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
  });

  it('rolls back to the previous OTA model, not the factory one', async () => {
    const rig = await startRig();
    await rig.updater.update(await release('2.0.0'));
    for (let index = 0; index < 3; index += 1) await rig.classifier.classify(brownFrame);
    await rig.updater.update(await release('3.0.0', 'nan-on-dark'));
    await rig.classifier.classify(await solidJpeg(64, 48, BLACK)).catch(() => undefined);
    await waitFor(() => rig.classifier.model === 'packaging-tiny@2.0.0', { description: '2.0.0 back' });
    expect(rig.store.pointer()).toMatchObject({ current: 'packaging-tiny@2.0.0', previous: null });
  });

  it('a model on trial that fails to load at the next start is rolled back and reported', async () => {
    const rig = await startRig();
    await rig.updater.update(await release('2.0.0'), { commandId: 'cmd-0003' });
    await stopRig(rig);
    // The SD card lost the model file after the switch.
    writeFileSync(join(dir.file('data/models/packaging-tiny@2.0.0'), 'model.onnx'), 'garbage');
    const restarted = await startRig();
    expect(restarted.classifier.model).toBe('packaging-tiny@1.0.0');
    expect(restarted.classifier.health().state).toBe('running');
    expect(restarted.store.pointer()).toMatchObject({ current: null, trial: null });
    expect(restarted.otaEvents().at(-1)).toMatchObject({ type: 'model.update-failed', payload: { stage: 'health-check', rolledBack: true, commandId: 'cmd-0003', code: ErrorCode.OtaRolledBack } });
  });

  it('one update at a time: the same package joins the running one, another is refused as busy', async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0');
    const other = await release('3.0.0');
    const first = rig.updater.update(pkg);
    const again = rig.updater.update(pkg);
    const busy = await rig.updater.update(other);
    expect(busy).toMatchObject({ status: 'failed', error: { code: ErrorCode.OtaBusy } });
    expect(await again).toBe(await first);
    expect(existsSync(join(rig.store.root, 'packaging-tiny@3.0.0'))).toBe(false);
  });

  it('a connection cut again and again mid-file: each try resumes with a Range request, the update completes', async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0', 'big');
    server.faults = { cutAfterBytes: 300_000 };
    const outcome = await rig.updater.update(pkg);
    expect(outcome).toMatchObject({ status: 'ok', model: 'packaging-tiny@2.0.0' });
    const tries = server.requestsFor('/packaging-tiny/2.0.0/model.onnx');
    expect(tries.length).toBeGreaterThanOrEqual(5);
    expect(tries.slice(1).every((request) => request.status === 206 && /^bytes=\d+-$/.test(request.range ?? ''))).toBe(true);
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
  });

  it('a power cut between install and switch: the next start keeps the installed directory and the resumed job switches to it without downloading', async () => {
    const pkg = await release('2.0.0');
    // The state such a cut leaves: the directory installed by its rename, the job record still in staging, the pointer not yet written.
    const root = otaModelsRoot(dir.file('data/kiosk.db'));
    cpSync(dir.file('releases/packaging-tiny-2.0.0'), join(root, 'packaging-tiny@2.0.0'), { recursive: true });
    new Staging(root).prepare('packaging-tiny@2.0.0', { schema: 'kiosk.ota-job/1', package: pkg, commandId: 'cmd-0005', startedAt: new Date().toISOString() });
    const rig = await startRig();
    expect(rig.classifier.model).toBe('packaging-tiny@1.0.0');
    expect(existsSync(join(root, 'packaging-tiny@2.0.0', 'model.onnx'))).toBe(true);
    expect(rig.updater.pendingCommandId()).toBe('cmd-0005');
    const resumed = await rig.updater.resumePending();
    expect(resumed).toMatchObject({ status: 'ok', model: 'packaging-tiny@2.0.0', downloadedBytes: 0, commandId: 'cmd-0005' });
    expect(server.requests).toHaveLength(0);
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
    expect(readdirSync(join(root, '.staging'))).toEqual([]);
  });

  it('a power cut right after the switch: the next start runs the new model on trial and the resumed job just ends', async () => {
    const pkg = await release('2.0.0');
    const root = otaModelsRoot(dir.file('data/kiosk.db'));
    cpSync(dir.file('releases/packaging-tiny-2.0.0'), join(root, 'packaging-tiny@2.0.0'), { recursive: true });
    new Staging(root).prepare('packaging-tiny@2.0.0', { schema: 'kiosk.ota-job/1', package: pkg, commandId: 'cmd-0006', startedAt: new Date().toISOString() });
    const rig = await startRig();
    rig.store.activate('packaging-tiny@2.0.0', null, 'cmd-0006');
    await stopRig(rig);
    const restarted = await startRig();
    expect(restarted.classifier.model).toBe('packaging-tiny@2.0.0');
    expect(await restarted.updater.resumePending()).toMatchObject({ status: 'ok', alreadyActive: true, commandId: 'cmd-0006' });
    expect(restarted.updater.pendingCommandId()).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it('an interrupted download resumes from its .part at the next update of the same package', async () => {
    const rig = await startRig();
    const pkg = await release('2.0.0', 'big');
    const modelFile = pkg.files.find((file) => file.path === 'model.onnx');
    server.faults = { stallAfterBytes: RIG_CHUNK_BYTES * 20 + 100 };
    const abort = new AbortController();
    const first = rig.updater.update(pkg, { signal: abort.signal, commandId: 'cmd-0004' });
    const part = join(rig.store.root, '.staging', 'packaging-tiny@2.0.0', 'files', 'model.onnx.part');
    const progress = join(rig.store.root, '.staging', 'packaging-tiny@2.0.0', 'progress', 'model.onnx.progress.json');
    await waitFor(() => existsSync(progress) && readFileSync(progress, 'utf8').includes(`"committedBytes":${RIG_CHUNK_BYTES * 20}`), { description: 'the model download under way' });
    expect(existsSync(part)).toBe(true);
    expect(rig.updater.pendingCommandId()).toBe('cmd-0004');
    abort.abort();
    expect(await first).toMatchObject({ status: 'failed', stage: 'download', error: { code: ErrorCode.OtaCancelled } });

    server.faults = {};
    const resumed = await rig.updater.resumePending();
    expect(resumed).toMatchObject({ status: 'ok', commandId: 'cmd-0004' });
    expect(resumed?.status === 'ok' && resumed.resumedBytes).toBe(RIG_CHUNK_BYTES * 20 + (pkg.files.find((file) => file.path === 'manifest.json')?.sizeBytes ?? 0));
    expect(server.requestsFor('/packaging-tiny/2.0.0/model.onnx').at(-1)).toMatchObject({ range: `bytes=${RIG_CHUNK_BYTES * 20}-`, status: 206 });
    expect(resumed?.status === 'ok' && resumed.downloadedBytes).toBe((modelFile?.sizeBytes ?? 0) - RIG_CHUNK_BYTES * 20);
    expect(rig.classifier.model).toBe('packaging-tiny@2.0.0');
    expect(rig.updater.pendingCommandId()).toBeUndefined();
  });
});
