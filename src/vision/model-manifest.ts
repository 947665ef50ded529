/**
 * The model manifest: the contract between the trainer (scripts/train/, Python)
 * and this runtime. This zod schema is its source of truth;
 * docs/schemas/model-manifest.schema.json is generated from it.
 *
 *   models/<name>/manifest.json ──read + validate──► ModelManifest
 *   models/<name>/<model.file>  ──read once, size + sha256 checked──► the bytes the session is created from
 *
 * The session is created from the very bytes that were hashed, so the file
 * cannot change between the check and the load.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, KioskError } from '../ops/errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

const label = z.string().min(1).max(200);
const tensorName = z.string().min(1).max(200);
const dimension = z.number().int().min(1).max(4096);
const triple = z.tuple([z.number(), z.number(), z.number()]);

export const ModelManifest = z
  .object({
    $schema: z.string().optional(),
    manifestVersion: z.literal(MANIFEST_VERSION),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64'),
    version: z.string().min(1).max(64),
    createdAt: z.iso.datetime({ offset: true }),
    model: z
      .object({
        file: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.onnx$/, 'a plain file name ending in .onnx, inside the model directory')
          .describe('the ONNX file, beside the manifest'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
        bytes: z.number().int().min(1),
      })
      .strict(),
    labels: z
      .array(label)
      .min(2)
      .refine((labels) => new Set(labels).size === labels.length, 'labels must be unique')
      .describe('one per model output, in output order'),
    input: z
      .object({
        name: tensorName,
        layout: z.enum(['NCHW', 'NHWC']),
        width: dimension,
        height: dimension,
        channels: z.literal(3),
        colorOrder: z.enum(['RGB', 'BGR']).default('RGB').describe('channel order of the tensor; mean and std are given in this order'),
        resize: z.enum(['fill', 'cover']).describe('fill: stretch to width x height; cover: scale to cover, then centre-crop'),
      })
      .strict(),
    normalization: z
      .object({
        scale: z.number().positive().describe('pixel v (0..255) -> ((v / scale) - mean[c]) / std[c]'),
        mean: triple,
        std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
      })
      .strict(),
    output: z
      .object({
        name: tensorName,
        activation: z.enum(['softmax', 'none']).describe('softmax: the output holds logits; none: it already holds probabilities'),
      })
      .strict(),
    thresholds: z
      .object({ minConfidence: z.number().min(0).max(1) })
      .strict()
      .optional()
      .describe("the trainer's suggested confidence threshold; the kiosk decides with deposit.minConfidence"),
    emptyLabel: label.optional().describe('the label that means "nothing in the chamber"; a stock ImageNet model has none'),
    training: z
      .looseObject({
        script: z.string().optional(),
        seed: z.number().int().optional(),
        dataset: z.string().optional(),
        validationAccuracy: z.number().min(0).max(1).optional(),
      })
      .optional()
      .describe('how the model was made; informational'),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    if (manifest.emptyLabel !== undefined && !manifest.labels.includes(manifest.emptyLabel)) {
      ctx.addIssue({ code: 'custom', path: ['emptyLabel'], message: `"${manifest.emptyLabel}" is not one of labels` });
    }
  })
  .describe('models/<name>/manifest.json, version 1');

export type ModelManifest = z.infer<typeof ModelManifest>;
export type ModelInputSpec = ModelManifest['input'];
export type Normalization = ModelManifest['normalization'];

/** A manifest and the verified bytes of its model. */
export interface VerifiedModel {
  manifest: ModelManifest;
  directory: string;
  bytes: Uint8Array;
}

export async function readManifest(directory: string): Promise<ModelManifest> {
  const path = join(directory, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KioskError(ErrorCode.ModelManifestInvalid, `cannot read the model manifest ${path}: ${describeIoError(error)}`, { path }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KioskError(ErrorCode.ModelManifestInvalid, `the model manifest ${path} is not JSON`, { path }, { cause: error });
  }
  const parsed = ModelManifest.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new KioskError(ErrorCode.ModelManifestInvalid, `the model manifest ${path} is invalid: ${problems.join('; ')}`, { path, problems });
  }
  return parsed.data;
}

/** Reads the manifest and the model file, and checks the file against the manifest's size and sha256. */
export async function readVerifiedModel(directory: string): Promise<VerifiedModel> {
  const manifest = await readManifest(directory);
  const path = join(directory, manifest.model.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new KioskError(ErrorCode.ModelFileMismatch, `cannot read the model file ${path}: ${describeIoError(error)}`, { path }, { cause: error });
  }
  if (bytes.length !== manifest.model.bytes) {
    throw new KioskError(ErrorCode.ModelFileMismatch, `the model file ${path} has ${bytes.length} bytes, the manifest says ${manifest.model.bytes}`, {
      path,
      bytes: bytes.length,
      expectedBytes: manifest.model.bytes,
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.model.sha256) {
    throw new KioskError(ErrorCode.ModelFileMismatch, `the model file ${path} has sha256 ${sha256}, the manifest says ${manifest.model.sha256}`, {
      path,
      sha256,
      expectedSha256: manifest.model.sha256,
    });
  }
  return { manifest, directory, bytes };
}

/** `name@version`, as reported in every Classification and deposit event. */
export function modelId(manifest: Pick<ModelManifest, 'name' | 'version'>): string {
  return `${manifest.name}@${manifest.version}`;
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' ? 'no such file' : code ?? String(error);
}
