import { z } from 'zod';
import { ReconnectConfig } from './common.js';

const CONSOLE_RECONNECT_DEFAULT = { initialMs: 500, maxMs: 5000 };
const LOCKOUT_DEFAULT = { freeAttempts: 3, initialDelayMs: 5000, maxDelayMs: 15 * 60_000 };

/**
 * The technician console (src/console/). Secrets are not here: the label PIN's
 * hash and the per-device technician key live in the kiosk database
 * (settings table), written at the factory by scripts/provision-console.ts.
 */
export const ConsoleConfig = z
  .object({
    port: z
      .object({
        path: z.string().min(1).describe('serial device of the console, e.g. /dev/ttyGS0 (USB gadget) or /dev/ttyAMA0'),
        baudRate: z.number().int().positive().default(115_200),
        // A USB gadget port comes and goes with the technician's cable: reopen it quickly.
        reconnect: ReconnectConfig.default(CONSOLE_RECONNECT_DEFAULT),
      })
      .strict()
      .optional()
      .describe('serial port of the console; without it the console runs only on stdin/stdout with --console-stdio'),
    idleLogoutMs: z.number().int().min(100).default(300_000).describe('a logged-in technician who types nothing for this long is logged out'),
    maxLineBytes: z.number().int().min(80).max(16_384).default(1024).describe('longer input lines are refused; PEM is pasted line by line'),
    lockout: z
      .object({
        freeAttempts: z.number().int().min(1).max(20).default(LOCKOUT_DEFAULT.freeAttempts).describe('failed logins before delays begin'),
        initialDelayMs: z.number().int().min(10).default(LOCKOUT_DEFAULT.initialDelayMs).describe('delay after the first failure beyond the free ones; doubles with each further failure'),
        maxDelayMs: z.number().int().min(10).default(LOCKOUT_DEFAULT.maxDelayMs),
      })
      .strict()
      .default(LOCKOUT_DEFAULT),
    challengeTtlMs: z.number().int().min(1000).default(120_000).describe('how long a login challenge may be answered'),
    logRingLines: z.number().int().min(10).max(10_000).default(500).describe('recent log lines kept in memory for "logs tail"'),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

/** The parsed defaults, for DeviceConfig's `.default()` and for tests. */
export const CONSOLE_CONFIG_DEFAULT: ConsoleConfig = ConsoleConfig.parse({});
