import { z } from 'zod';

export const CameraConfig = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('simulated') }).strict(),
    z
      .object({
        kind: z.literal('mjpeg-process'),
        command: z.array(z.string().min(1)).min(1).describe('argv of a child that writes MJPEG to stdout'),
      })
      .strict(),
  ])
  .describe('camera');

export type CameraConfig = z.infer<typeof CameraConfig>;
