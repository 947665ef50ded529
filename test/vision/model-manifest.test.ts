import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isKioskError, type ErrorCode as Code } from '../../src/ops/errors.js';
import { ModelManifest, modelId, readManifest, readVerifiedModel } from '../../src/vision/model-manifest.js';
import { checkSessionShape } from '../../src/vision/model-shape.js';
import { loadPublishedSchemas } from '../support/schemas.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { colourModel, manifestFor, writeModelDirectory } from './support/tiny-models.js';

const labels = ['cardboard', 'paper', 'empty'];
const input = { name: 'input', layout: 'NCHW', width: 8, height: 6, channels: 3, colorOrder: 'RGB', resize: 'fill' } as const;

function tinyModel(overrides: { width?: number; height?: number; labelCount?: number; symbolicBatch?: boolean } = {}): Uint8Array {
  return colourModel({
    layout: 'NCHW',
    width: overrides.width ?? 8,
    height: overrides.height ?? 6,
    labelCount: overrides.labelCount ?? labels.length,
    prototypes: new Map([[0, [150, 100, 60]]]),
    ...(overrides.symbolicBatch ? { symbolicBatch: true } : {}),
  });
}

async function codeOf(promise: Promise<unknown>): Promise<Code | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (isKioskError(error)) return error.code;
    throw error;
  }
}

function codeOfSync(run: () => void): Code | 'passed' {
  try {
    run();
    return 'passed';
  } catch (error) {
    if (isKioskError(error)) return error.code;
    throw error;
  }
}

describe('model manifest', () => {
  let dir: TempDir;
  let bytes: Uint8Array;
  let manifest: ModelManifest;

  beforeEach(async () => {
    dir = makeTempDir('kiosk-manifest-');
    bytes = tinyModel();
    manifest = manifestFor(bytes, { labels, input, emptyLabel: 'empty', name: 'packaging-test', version: '1.2.3' });
    await writeModelDirectory(dir.path, bytes, manifest);
  });

  afterEach(() => dir.remove());

  it('reads a good manifest and returns the verified model bytes', async () => {
    const verified = await readVerifiedModel(dir.path);
    expect(verified.manifest).toEqual(manifest);
    expect(Buffer.from(verified.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(modelId(verified.manifest)).toBe('packaging-test@1.2.3');
  });

  it('accepts the contract\'s example manifest, and the published JSON schema agrees', async () => {
    const example = {
      manifestVersion: 1,
      name: 'packaging-v1',
      version: '1.0.0',
      createdAt: '2026-11-23T19:30:00Z',
      model: { file: 'model.onnx', sha256: 'a'.repeat(64), bytes: 123456 },
      labels: ['cardboard', 'glass', 'metal', 'paper', 'plastic', 'trash', 'empty'],
      input: { name: 'input', layout: 'NCHW', width: 128, height: 96, channels: 3, colorOrder: 'RGB', resize: 'fill' },
      normalization: { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      output: { name: 'logits', activation: 'softmax' },
      thresholds: { minConfidence: 0.6 },
      emptyLabel: 'empty',
      training: { script: 'scripts/train/train_classifier.py', seed: 20261123, dataset: 'TrashNet (MIT), training subset', validationAccuracy: 0.0 },
    };
    expect(ModelManifest.safeParse(example).success).toBe(true);
    const validate = loadPublishedSchemas()('model-manifest.schema.json');
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, manifestVersion: 2 })).toBe(false);
  });

  it.each([
    ['another manifest version', { manifestVersion: 2 }],
    ['an empty label that is not a label', { emptyLabel: 'nothing' }],
    ['duplicate labels', { labels: ['cardboard', 'cardboard', 'empty'] }],
    ['a model file outside the model directory', { model: { file: '../model.onnx', sha256: 'a'.repeat(64), bytes: 10 } }],
    ['an unknown field', { extra: true }],
    ['a four-channel input', { input: { ...input, channels: 4 } }],
    ['a zero std', { normalization: { scale: 255, mean: [0, 0, 0], std: [1, 0, 1] } }],
  ])('refuses %s (E202)', async (_name, change) => {
    await writeFile(join(dir.path, 'manifest.json'), JSON.stringify({ ...manifest, ...change }));
    expect(await codeOf(readManifest(dir.path))).toBe(ErrorCode.ModelManifestInvalid);
  });

  it('refuses a missing manifest and one that is not JSON (E202)', async () => {
    await writeFile(join(dir.path, 'manifest.json'), '{"manifestVersion": 1,');
    expect(await codeOf(readManifest(dir.path))).toBe(ErrorCode.ModelManifestInvalid);
    await rm(join(dir.path, 'manifest.json'));
    expect(await codeOf(readManifest(dir.path))).toBe(ErrorCode.ModelManifestInvalid);
    expect(await codeOf(readVerifiedModel(join(dir.path, 'no-such-model')))).toBe(ErrorCode.ModelManifestInvalid);
  });

  it('names every bad field in the error', async () => {
    await writeFile(join(dir.path, 'manifest.json'), JSON.stringify({ ...manifest, version: '', labels: ['only-one'] }));
    const error = await readManifest(dir.path).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.ModelManifestInvalid) && error.context.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^version:/), expect.stringMatching(/^labels:/)]),
    );
  });

  it('refuses a missing model file (E203)', async () => {
    await rm(join(dir.path, 'model.onnx'));
    expect(await codeOf(readVerifiedModel(dir.path))).toBe(ErrorCode.ModelFileMismatch);
  });

  it('refuses a model file whose sha256 differs from the manifest (E203)', async () => {
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 0xff;
    await writeFile(join(dir.path, 'model.onnx'), changed);
    const error = await readVerifiedModel(dir.path).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.ModelFileMismatch) && error.context.expectedSha256).toBe(manifest.model.sha256);
  });

  it('refuses a model file of another size, e.g. cut short by a failed copy (E203)', async () => {
    await writeFile(join(dir.path, 'model.onnx'), bytes.subarray(0, 100));
    const error = await readVerifiedModel(dir.path).catch((caught: unknown) => caught);
    expect(isKioskError(error, ErrorCode.ModelFileMismatch) && error.context).toMatchObject({ bytes: 100, expectedBytes: bytes.length });
  });

  it('leaves the model bytes exactly as read from disk', async () => {
    const { bytes: read } = await readVerifiedModel(dir.path);
    expect(Buffer.from(read).equals(await readFile(join(dir.path, 'model.onnx')))).toBe(true);
  });
});

describe('checkSessionShape', () => {
  const manifestOf = (bytes: Uint8Array, change: Partial<ModelManifest> = {}): ModelManifest =>
    manifestFor(bytes, { labels, input, emptyLabel: 'empty', ...change });

  it('passes a session whose input and output match the manifest', async () => {
    const bytes = tinyModel();
    const session = await InferenceSession.create(bytes);
    expect(codeOfSync(() => checkSessionShape(session, manifestOf(bytes)))).toBe('passed');
    await session.release();
  });

  it('lets a symbolic batch dimension fit', async () => {
    const bytes = tinyModel({ symbolicBatch: true });
    const session = await InferenceSession.create(bytes);
    expect(codeOfSync(() => checkSessionShape(session, manifestOf(bytes)))).toBe('passed');
    await session.release();
  });

  it.each([
    ['another input size', tinyModel({ width: 16, height: 12 }), {}],
    ['another label count', tinyModel({ labelCount: 5 }), {}],
    ['another input name', tinyModel(), { input: { ...input, name: 'pixels' } }],
    ['another output name', tinyModel(), { output: { name: 'logits', activation: 'softmax' as const } }],
    ['another layout', tinyModel(), { input: { ...input, layout: 'NHWC' as const } }],
  ])('refuses %s (E204)', async (_name, bytes, change) => {
    const session = await InferenceSession.create(bytes);
    expect(codeOfSync(() => checkSessionShape(session, manifestOf(bytes, change)))).toBe(ErrorCode.ModelShapeMismatch);
    await session.release();
  });
});
