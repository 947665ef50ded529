/**
 * Power cuts during a model update, as SIGKILL of a child process that runs
 * the kiosk's OTA path (support/updater-child.ts) on real files: after every
 * kill the next start must load a working model, the old one or the new one,
 * never a broken one, and a killed download must resume from its .part.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/ops/seeded-random.js';
import type { ModelPackage } from '../../../src/protocol/model-package.js';
import { DownloadProgress } from '../../../src/sync/ota/download-progress.js';
import { readVerifiedModel } from '../../../src/vision/model-manifest.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { solidJpeg } from '../../vision/support/images.js';
import { ModelServer } from './support/model-server.js';
import { WHITE, servePackage, writeTestModel } from './support/ota-models.js';
import { OtaRig, RIG_CHUNK_BYTES } from './support/ota-rig.js';
import type { ChildSpec } from './support/updater-child.js';
import { UpdaterProcess, type ChildLine } from './support/updater-process.js';

const MODELS = ['packaging-tiny@1.0.0', 'packaging-tiny@2.0.0', 'packaging-tiny@3.0.0'];

describe('OTA model update under SIGKILL (child processes, real files)', () => {
  let dir: TempDir;
  let server: ModelServer;
  const children: UpdaterProcess[] = [];
  const packages = new Map<string, string>();
  let spec: Omit<ChildSpec, 'packageFile'>;

  async function publish(version: string, seed: number): Promise<ModelPackage> {
    const source = await writeTestModel(dir.file(`releases/${version}`), { name: 'packaging-tiny', version, kind: 'big', seed });
    const pkg = servePackage(server, source, { name: 'packaging-tiny', version });
    writeFileSync(dir.file(`package-${version}.json`), JSON.stringify(pkg));
    packages.set(`packaging-tiny@${version}`, dir.file(`package-${version}.json`));
    return pkg;
  }

  function child(model: string): UpdaterProcess {
    const packageFile = packages.get(model);
    if (!packageFile) throw new Error(`no package for ${model}`);
    const run = new UpdaterProcess({ ...spec, packageFile });
    children.push(run);
    return run;
  }

  /** What the next start of the kiosk loads: it must be a whole, working model. */
  async function restartAndCheck(): Promise<string> {
    const rig = await new OtaRig({ databaseFile: spec.databaseFile, factoryDir: spec.factoryDir }).start();
    try {
      expect(rig.classifier.health().state).toBe('running');
      expect(MODELS).toContain(rig.classifier.model);
      const classification = await rig.classifier.classify(readFileSync(spec.frame));
      expect(classification.model).toBe(rig.classifier.model);
      expect(classification.scores).toHaveLength(4);
      expect(Math.abs(classification.scores.reduce((sum, score) => sum + score.probability, 0) - 1)).toBeLessThan(1e-6);
      // Whatever the pointer names is complete on disk.
      const pointer = rig.store.pointer();
      for (const name of [pointer?.current, pointer?.previous]) {
        if (typeof name === 'string') await readVerifiedModel(rig.store.dirOf(name));
      }
      return rig.classifier.model;
    } finally {
      await rig.stop();
    }
  }

  beforeEach(async () => {
    dir = makeTempDir('kiosk-ota-kill-');
    server = await ModelServer.start();
    await writeTestModel(dir.file('factory'), { name: 'packaging-tiny', version: '1.0.0' });
    writeFileSync(dir.file('frame.jpg'), await solidJpeg(64, 48, WHITE));
    spec = { databaseFile: dir.file('data/kiosk.db'), factoryDir: dir.file('factory'), frame: dir.file('frame.jpg'), commandId: 'cmd-kill-0001' };
  });

  afterEach(async () => {
    for (const run of children.splice(0)) await run.dispose();
    await server.stop();
    dir.remove();
  });

  it('a download killed mid-way resumes from its .part after the restart', async () => {
    const pkg = await publish('2.0.0', 2);
    const model = pkg.files.find((file) => file.path === 'model.onnx');
    const stallAt = RIG_CHUNK_BYTES * 30 + 777;
    server.faults = { stallAfterBytes: stallAt };
    const progressFile = join(dir.path, 'data/models/.staging/packaging-tiny@2.0.0/progress/model.onnx.progress.json');
    const first = child('packaging-tiny@2.0.0');
    await waitFor(() => existsSync(progressFile) && DownloadProgress.parse(JSON.parse(readFileSync(progressFile, 'utf8'))).committedBytes === RIG_CHUNK_BYTES * 30, {
      description: '30 chunks on disk',
    });
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(await restartAndCheck()).toBe('packaging-tiny@1.0.0');

    server.faults = {};
    const second = child('packaging-tiny@2.0.0');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const outcome = second.line((line) => line.event === 'outcome');
    const manifestBytes = pkg.files.find((file) => file.path === 'manifest.json')?.sizeBytes ?? 0;
    expect(outcome).toMatchObject({ status: 'ok', model: 'packaging-tiny@2.0.0', resumedBytes: RIG_CHUNK_BYTES * 30 + manifestBytes, downloadedBytes: (model?.sizeBytes ?? 0) - RIG_CHUNK_BYTES * 30 });
    expect(server.requestsFor('/packaging-tiny/2.0.0/model.onnx').at(-1)).toMatchObject({ range: `bytes=${RIG_CHUNK_BYTES * 30}-`, status: 206 });
    expect(second.line((line) => line.event === 'confirmed')).toMatchObject({ trial: null });
    expect(await restartAndCheck()).toBe('packaging-tiny@2.0.0');
  });

  it('SIGKILL at random points of 12 installs: every restart loads a whole, working model, and the last update completes', { timeout: 240_000 }, async () => {
    await publish('2.0.0', 2);
    await publish('3.0.0', 3);
    const random = seededRandom(20261124);
    const stages = ['download', 'verify', 'smoke-test', 'install', 'switch'] as const;
    let active = 'packaging-tiny@1.0.0';
    const seen = new Set<string>([active]);
    const killedAt: string[] = [];
    for (let cycle = 0; cycle < 12; cycle += 1) {
      const target = active === 'packaging-tiny@2.0.0' ? 'packaging-tiny@3.0.0' : 'packaging-tiny@2.0.0';
      const run = child(target);
      const pick = random();
      let point: string;
      if (pick < 0.3) {
        // Somewhere in the download: after a random number of chunks.
        const chunks = 1 + Math.floor(random() * 90);
        point = `download after ${chunks} chunks`;
        run.killWhen((line: ChildLine) => line.event === 'progress' && line.stage === 'download' && line.file === 'model.onnx' && Number(line.doneBytes) >= chunks * RIG_CHUNK_BYTES);
      } else if (pick < 0.85) {
        const stage = stages[Math.floor(random() * stages.length)] ?? 'switch';
        point = `at ${stage}`;
        run.killWhen((line: ChildLine) => line.event === 'progress' && line.stage === stage);
      } else {
        point = 'right after the outcome';
        run.killWhen((line: ChildLine) => line.event === 'outcome');
      }
      const exit = await run.exited;
      killedAt.push(`${point}${exit.signal === 'SIGKILL' ? '' : ` (finished first: ${String(exit.code)})`}`);
      active = await restartAndCheck();
      seen.add(active);
    }
    const last = active === 'packaging-tiny@2.0.0' ? 'packaging-tiny@3.0.0' : 'packaging-tiny@2.0.0';
    const final = child(last);
    expect(await final.exited).toEqual({ code: 0, signal: null });
    expect(final.line((line) => line.event === 'outcome')).toMatchObject({ status: 'ok', model: last });
    expect(await restartAndCheck()).toBe(last);
    expect(killedAt.filter((point) => !point.includes('finished first')).length).toBeGreaterThanOrEqual(10);
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });
});
