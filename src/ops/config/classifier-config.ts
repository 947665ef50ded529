import { z } from 'zod';

export const ClassifierConfig = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('scenario') })
      .strict()
      .describe('reads the label the simulated camera wrote into the frame'),
    z.object({ kind: z.literal('onnx'), modelDir: z.string().min(1), threads: z.number().int().min(1).max(8).default(1) }).strict(),
  ])
  .describe('image classifier');

export type ClassifierConfig = z.infer<typeof ClassifierConfig>;
