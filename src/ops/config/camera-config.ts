import { z } from 'zod';
import { ReconnectConfig } from './common.js';

/** Settings every camera kind shares: how frames are taken from the MJPEG child process. */
const capture = {
  grabTimeoutMs: z.number().int().min(100).max(60_000).default(3000).describe('how long grab() waits for a frame captured after it was called'),
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('longest JPEG frame kept; a longer one is discarded (bounds memory)'),
  stallTimeoutMs: z
    .number()
    .int()
    .min(500)
    .default(10_000)
    .describe('a camera process that writes no frame for this long is restarted'),
  stopGraceMs: z.number().int().min(10).max(30_000).default(2000).describe('SIGTERM, then SIGKILL after this long'),
  reconnect: ReconnectConfig.default({ initialMs: 500, maxMs: 30_000 }).describe('restart pacing after the camera process exits'),
};

const fps = z.number().int().min(1).max(60).default(10).describe('frames per second the simulator writes');

export const CameraConfig = z
  .discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('simulated'), fps, ...capture })
      .strict()
      .describe('the MJPEG simulator process, showing what the scenario puts in the chamber'),
    z
      .object({
        kind: z.literal('replay'),
        source: z.string().min(1).describe('a folder of .jpg/.jpeg files (played in name order) or one JPEG/MJPEG file, looped'),
        fps,
        ...capture,
      })
      .strict()
      .describe('the MJPEG simulator process, replaying recorded frames'),
    z
      .object({
        kind: z.literal('mjpeg-process'),
        command: z
          .array(z.string().min(1))
          .min(1)
          .describe('argv of a child that writes MJPEG to stdout, e.g. ["rpicam-vid", "-t", "0", "--codec", "mjpeg", "-o", "-"]'),
        ...capture,
      })
      .strict()
      .describe('a real camera behind a long-running MJPEG process (rpicam-vid, ffmpeg -f v4l2 ... -f mjpeg -)'),
  ])
  .describe('camera');

export type CameraConfig = z.infer<typeof CameraConfig>;
