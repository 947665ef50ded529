import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../ops/config/load.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * A scenario says what the simulated world does: which items consumers put in,
 * what they weigh, which codes get scanned and what the camera sees.
 * Documented in docs/simulation.md; schema in docs/schemas/scenario.schema.json.
 */
export const ScenarioItem = z
  .object({
    label: z.string().min(1).describe('what the item really is; the scenario classifier reports it'),
    confidence: z.number().min(0).max(1).default(0.95).describe('probability the scenario classifier gives the label'),
    weightGrams: z.number().min(0).max(100_000),
    barcode: z.string().min(1).optional().describe('code scanned in the chamber, e.g. a waybill on the carton'),
    consumerCode: z.string().min(1).optional().describe('session code the consumer scans before putting the item in'),
    image: z.string().min(1).optional().describe('JPEG the camera sees, relative to the scenario file'),
  })
  .strict();

export const Scenario = z
  .object({
    $schema: z.string().optional(),
    scenarioVersion: z.literal(1),
    passes: z.number().int().min(1).nullable().default(null).describe('times to play the item list; null plays forever'),
    idleMs: z.number().int().min(0).default(2000).describe('pause before each item'),
    items: z.array(ScenarioItem).min(1),
  })
  .strict();

export type Scenario = z.infer<typeof Scenario>;
export type ScenarioItem = z.infer<typeof ScenarioItem>;

export interface LoadedScenario {
  scenario: Scenario;
  /** Item images, read once at load so a bad file fails start-up, not a deposit. */
  images: Map<string, Buffer>;
  /** Images named but absent (e.g. the shared sample photos on a machine without them): those items show the placeholder frame. */
  missingImages: string[];
}

export function loadScenario(path: string): LoadedScenario {
  const file = resolve(path);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KioskError(ErrorCode.ScenarioInvalid, `cannot read scenario ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  const result = Scenario.safeParse(document);
  if (!result.success) {
    throw new KioskError(ErrorCode.ScenarioInvalid, `invalid scenario ${file}: ${describeIssues(result.error.issues).join('; ')}`, { file });
  }
  const images = new Map<string, Buffer>();
  const missingImages: string[] = [];
  const seen = new Set<string>();
  for (const item of result.data.items) {
    if (!item.image || seen.has(item.image)) continue;
    seen.add(item.image);
    const imagePath = resolve(dirname(file), item.image);
    let image: Buffer;
    try {
      image = readFileSync(imagePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        missingImages.push(imagePath);
        continue;
      }
      throw new KioskError(ErrorCode.ScenarioInvalid, `scenario ${file} names image ${imagePath}, which cannot be read`, { file }, { cause: error });
    }
    if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) {
      throw new KioskError(ErrorCode.ScenarioInvalid, `scenario ${file} names image ${imagePath}, which is not a JPEG`, { file });
    }
    images.set(item.image, image);
  }
  return { scenario: result.data, images, missingImages };
}
