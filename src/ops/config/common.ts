import { z } from 'zod';

/** Names used in topics, file names and GPIO line maps: safe everywhere. */
export const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit');

export const lineName = identifier.describe('name of a GPIO line declared under hardware.gpio.lines');

/** Reconnect pacing for a device link (serial port, camera process). */
export const ReconnectConfig = z
  .object({
    initialMs: z.number().int().min(10).default(500),
    maxMs: z.number().int().min(100).default(30_000),
  })
  .strict();
