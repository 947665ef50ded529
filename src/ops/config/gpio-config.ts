import { z } from 'zod';
import { lineName } from './common.js';

export const GpioLine = z
  .object({
    direction: z.enum(['in', 'out']),
    line: z.number().int().min(0).describe('line offset on the GPIO chip (not the sysfs number)'),
    activeLow: z.boolean().default(false),
    debounceMs: z.number().int().min(0).max(1000).default(0),
  })
  .strict();

export const GpioConfig = z
  .object({
    kind: z.enum(['simulated', 'sysfs']),
    chipLabel: z.string().min(1).default('pinctrl-bcm2835').describe('label of the gpiochip the line offsets refer to'),
    lines: z.record(lineName, GpioLine),
  })
  .strict()
  .describe('GPIO lines by name');

export type GpioLineConfig = z.infer<typeof GpioLine>;
export type GpioConfig = z.infer<typeof GpioConfig>;
