import { z } from 'zod';

const grams = z.number().min(0);

export const WeightRange = z
  .object({ minGrams: grams, maxGrams: grams })
  .strict()
  .refine((range) => range.minGrams <= range.maxGrams, { message: 'minGrams must not exceed maxGrams', path: ['maxGrams'] })
  .describe('plausible stable weights of one item of this label, inclusive');

export type WeightRange = z.infer<typeof WeightRange>;

const fraction = z.number().min(0).max(1);

/** Fractions, not pixels: the same crop keeps working when the camera mode (resolution) changes. */
export const ChamberCrop = z
  .object({
    left: fraction.describe('left edge, as a fraction of the frame width (0 = left border)'),
    top: fraction.describe('top edge, as a fraction of the frame height (0 = top border)'),
    width: fraction.positive().describe('width, as a fraction of the frame width'),
    height: fraction.positive().describe('height, as a fraction of the frame height'),
  })
  .strict()
  .refine((crop) => crop.left + crop.width <= 1 + 1e-9, { message: 'left + width must not exceed 1', path: ['width'] })
  .refine((crop) => crop.top + crop.height <= 1 + 1e-9, { message: 'top + height must not exceed 1', path: ['height'] })
  .describe('the chamber region of the camera frame, in fractions of the frame; only this part is classified');

export type ChamberCrop = z.infer<typeof ChamberCrop>;

export const FULL_FRAME: ChamberCrop = { left: 0, top: 0, width: 1, height: 1 };

/** How the decision weighs the evidence beside the image; every classifier kind has them. */
const fusion = {
  weightRanges: z
    .record(z.string().min(1), WeightRange)
    .default({})
    .describe('kiosk label -> plausible item weight; an item outside its label\'s range is rejected with "weight-implausible"'),
  waybillLabels: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'kiosk labels an item carrying a courier waybill can be (express packaging); default: every label in routes. ' +
        'With a waybill scanned, the decision only considers these labels and rejects with "waybill-mismatch" when the image gives them too little probability',
    ),
};

export const EmptyChamberReference = z
  .object({
    path: z
      .string()
      .min(1)
      .describe('JPEG of the empty chamber, written by the console\'s `camera reference`; relative paths resolve against the working directory'),
    maxDifference: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        'a frame looks empty when no cell of a 32x24 thumbnail differs from the reference by more than this in any colour channel (0-1), ' +
          'after discounting a change the whole picture shares of up to 0.08 (lighting drift)',
      ),
  })
  .strict()
  .describe('calibrated picture of the empty chamber: a frame that matches it is never classified as an item');

export const ClassifierConfig = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('scenario'), ...fusion })
      .strict()
      .describe('reads the label the simulated camera wrote into the frame'),
    z
      .object({
        kind: z.literal('onnx'),
        modelDir: z
          .string()
          .min(1)
          .describe('directory with manifest.json and the model file (docs/schemas/model-manifest.schema.json); relative paths resolve against the working directory'),
        threads: z.number().int().min(1).max(8).default(1).describe('onnxruntime intra-op threads'),
        chamber: ChamberCrop.default(FULL_FRAME),
        labelMap: z
          .string()
          .min(1)
          .optional()
          .describe('JSON file mapping model labels to kiosk labels (docs/schemas/label-map.schema.json); without it the model labels are the kiosk labels'),
        emptyReference: EmptyChamberReference.optional(),
        ...fusion,
      })
      .strict()
      .describe('an ONNX image classifier with a manifest (models/<name>/)'),
  ])
  .describe('image classifier');

export type ClassifierConfig = z.infer<typeof ClassifierConfig>;
export type OnnxClassifierConfig = Extract<ClassifierConfig, { kind: 'onnx' }>;
