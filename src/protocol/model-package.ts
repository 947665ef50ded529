import { z } from 'zod';

/**
 * An over-the-air model release: the files of one models/<name>/ directory
 * with their sizes and SHA-256, signed (SignedDocument) by the fleet's model
 * key and sent to a kiosk inside a `model.update` command. The kiosk
 * downloads each file in resumable chunks (HTTP range requests), checks size
 * and SHA-256, smoke-tests the model and only then switches to it.
 */
export const MODEL_PACKAGE_SCHEMA = 'kiosk.model-package/1';

const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain file name, no directories');

export const ModelPackageFile = z
  .object({
    path: fileName.describe('file name inside the model directory, e.g. model.onnx, manifest.json'),
    url: z.url({ protocol: /^https?$/ }).describe('where to download it; the server must honour Range requests for resumable downloads'),
    sizeBytes: z.number().int().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const ModelPackage = z
  .object({
    schema: z.literal(MODEL_PACKAGE_SCHEMA),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).describe('model name, as in its manifest.json'),
    version: z.string().min(1).max(64).describe('model version, as in its manifest.json'),
    files: z
      .array(ModelPackageFile)
      .min(2)
      .max(16)
      .refine((files) => files.some((file) => file.path === 'manifest.json'), 'the package must contain manifest.json')
      .refine((files) => new Set(files.map((file) => file.path)).size === files.length, 'file names must be unique'),
  })
  .strict();

export type ModelPackage = z.infer<typeof ModelPackage>;
export type ModelPackageFile = z.infer<typeof ModelPackageFile>;
