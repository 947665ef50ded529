import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { FULL_FRAME } from '../../src/ops/config/classifier-config.js';
import { DEFAULT_SMOKE_IMAGES_DIR, readSmokeImages, smokeTest } from '../../src/vision/model-smoke-test.js';
import { OnnxPipeline } from '../../src/vision/onnx-pipeline.js';
import { projectRoot } from '../support/paths.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('the OTA smoke test', () => {
  let dir: TempDir;
  let pipeline: OnnxPipeline | undefined;

  beforeEach(() => {
    dir = makeTempDir('kiosk-smoke-');
  });

  afterEach(async () => {
    await pipeline?.release();
    pipeline = undefined;
    dir.remove();
  });

  it('the shipped reference pictures are the generated ones, and the shipped model passes on them', async () => {
    expect(DEFAULT_SMOKE_IMAGES_DIR).toBe(join(projectRoot, 'models', 'smoke'));
    const images = await readSmokeImages(DEFAULT_SMOKE_IMAGES_DIR);
    expect(images.map((image) => image.name)).toEqual([
      'carton-box.jpg',
      'empty-chamber.jpg',
      'glass-bottle.jpg',
      'metal-can.jpg',
      'mixed-trash.jpg',
      'paper-sheets.jpg',
      'plastic-mailer.jpg',
      'simulator-placeholder.jpg',
    ]);
    expect(images.every((image) => image.jpeg.length < 16 * 1024)).toBe(true);
    pipeline = await OnnxPipeline.open({ modelDir: join(projectRoot, 'models', 'packaging-v1'), threads: 1, chamber: FULL_FRAME, logger: createSilentLogger() });
    expect(await smokeTest(pipeline, images)).toEqual({ images: 8, emptyReference: 'skipped' });
  });

  it('a directory without pictures is a failure, not a pass', async () => {
    mkdirSync(dir.file('smoke'));
    await expect(readSmokeImages(dir.file('smoke'))).rejects.toMatchObject({ code: ErrorCode.OtaSmokeTestFailed });
    await expect(readSmokeImages(dir.file('missing'))).rejects.toMatchObject({ code: ErrorCode.OtaSmokeTestFailed });
  });
});
