import { z } from 'zod';

export const ScaleConfig = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('simulated'),
        readingIntervalMs: z.number().int().min(1).max(5000).default(50),
        noiseGrams: z.number().min(0).max(50).default(0.2),
      })
      .strict(),
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1).describe('serial device, preferably a /dev/serial/by-id/... path'),
        baudRate: z.number().int().positive().default(9600),
        protocol: z.enum(['mt-sics', 'continuous-ascii']).default('mt-sics'),
      })
      .strict(),
  ])
  .describe('weighing scale');

export type ScaleConfig = z.infer<typeof ScaleConfig>;
