import { z } from 'zod';

export const BarcodeConfig = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('simulated') }).strict(),
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1),
        baudRate: z.number().int().positive().default(9600),
        suffix: z.enum(['CR', 'LF', 'CRLF']).default('CR'),
      })
      .strict(),
    z.object({ kind: z.literal('hid'), path: z.string().min(1).describe('/dev/input/by-id/...-event-kbd') }).strict(),
  ])
  .describe('barcode scanner');

export type BarcodeConfig = z.infer<typeof BarcodeConfig>;
