import { z } from 'zod';
import { lineName } from './common.js';

export const GpioLine = z
  .object({
    direction: z.enum(['in', 'out']),
    line: z.number().int().min(0).describe('line offset on the GPIO chip (not the sysfs number)'),
    activeLow: z.boolean().default(false).describe('true when the line is active at a low pin level (logical value = not level)'),
    debounceMs: z.number().int().min(0).max(1000).default(0).describe('an input change is reported once it has held this long'),
  })
  .strict();

export const GpioConfig = z
  .object({
    kind: z.enum(['simulated', 'sysfs']),
    chipLabel: z
      .string()
      .min(1)
      .default('pinctrl-bcm2711')
      .describe('label of the gpiochip the line offsets refer to (gpiochip*/label): pinctrl-bcm2835 (Pi 1-3), pinctrl-bcm2711 (Pi 4), pinctrl-rp1 (Pi 5)'),
    lines: z.record(lineName, GpioLine),
  })
  .strict()
  .describe('GPIO lines by name');

export type GpioLineConfig = z.infer<typeof GpioLine>;
export type GpioConfig = z.infer<typeof GpioConfig>;
