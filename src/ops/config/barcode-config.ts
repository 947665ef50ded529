import { z } from 'zod';
import { ReconnectConfig } from './common.js';

/**
 * A regular expression written in a config file. It is compiled here so a
 * typo fails at load time with the field's path, not at the first scan.
 * The decoder anchors every pattern: it must match the whole code.
 */
const pattern = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });

export const WaybillPattern = z
  .object({
    carrier: z.string().min(1).max(64).describe('carrier name reported with the scan, e.g. "sf-express"'),
    pattern: pattern.describe('regular expression the whole waybill number must match'),
    checkDigit: z
      .enum(['s10'])
      .optional()
      .describe('also verify a check digit: "s10" = UPU S10 (two letters, 8 digits, mod-11 check digit, country code)'),
  })
  .strict();

export type WaybillPattern = z.infer<typeof WaybillPattern>;

/**
 * Examples of common Chinese express waybill numbers, first match wins. They
 * are deliberately narrow (a prefix or a fixed length) because a loose
 * all-digits pattern would claim GS1 codes and other carriers' numbers;
 * a station that sees other formats lists its own in device-config.
 */
export const DEFAULT_WAYBILL_PATTERNS: WaybillPattern[] = [
  { carrier: 'sf-express', pattern: 'SF\\d{12,15}' },
  { carrier: 'jd-logistics', pattern: 'JD[A-Z0-9]{11,15}' },
  { carrier: 'yto', pattern: 'YT\\d{13}' },
  { carrier: 'jt-express', pattern: 'JT\\d{13}' },
  { carrier: 'zto', pattern: '7\\d{11}|75\\d{12}' },
  { carrier: 'sto', pattern: '77\\d{11}' },
  { carrier: 'ems', pattern: 'E[A-Z]\\d{9}CN', checkDigit: 's10' },
  { carrier: 'china-post', pattern: '[A-DF-Z][A-Z]\\d{9}CN', checkDigit: 's10' },
];

/** The app's QR code: a bare session code, or a link whose last path segment is the code. */
export const DEFAULT_CONSUMER_SESSION_PATTERN = '(?:https://[^/?#\\s]+/s/)?(?<session>KC-[A-Z0-9]{4}-[A-Z0-9]{4})';
export const DEFAULT_STAFF_PATTERN = 'KS-(?<staff>[A-Z0-9]{8})';

export const BarcodeDecodingConfig = z
  .object({
    waybillPatterns: z.array(WaybillPattern).max(100).default(DEFAULT_WAYBILL_PATTERNS).describe('express waybill formats, first match wins'),
    consumerSessionPattern: pattern
      .default(DEFAULT_CONSUMER_SESSION_PATTERN)
      .describe('consumer session code from the app; a named group (?<session>...) picks the code out of a longer form such as a URL'),
    staffPattern: pattern.default(DEFAULT_STAFF_PATTERN).describe('staff badge code; a named group (?<staff>...) picks out the staff id'),
    gs1WithoutSymbologyId: z
      .boolean()
      .default(true)
      .describe('also read a code as GS1 when the scanner sent no ]C1/]d2/]Q3/]e0 prefix, if it parses completely with valid check digits'),
  })
  .strict();

export type BarcodeDecodingConfig = z.infer<typeof BarcodeDecodingConfig>;

const SCANNER_RECONNECT = { initialMs: 250, maxMs: 5000 };

/** Fields every scanner kind shares: what a code is, and how repeats and long codes are treated. */
const scannerCommon = {
  duplicateWindowMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1500)
    .describe('the same code seen again within this time of its last sighting is dropped; 0 = deliver every read'),
  maxCodeLength: z.number().int().min(16).max(512).default(512).describe('longest code kept, in bytes; longer reads are discarded'),
  decoding: BarcodeDecodingConfig.prefault({}),
  reconnect: ReconnectConfig.default(SCANNER_RECONNECT).describe('reopen pacing after the scanner was unplugged'),
};

const serialFraming = {
  suffix: z.enum(['CR', 'LF', 'CRLF']).default('CR').describe('what the scanner sends after each code'),
  interByteTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(100)
    .describe('a code without suffix is delivered once no byte came for this long; 0 = wait for the suffix only'),
};

export const BarcodeConfig = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('simulated'),
        mode: z.enum(['serial', 'hid']).default('serial').describe('which real driver the simulator feeds: serial bytes in memory, or input events through a FIFO'),
        ...serialFraming,
        ...scannerCommon,
      })
      .strict(),
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1).describe('serial device (USB-CDC), preferably a /dev/serial/by-id/... path'),
        baudRate: z.number().int().positive().default(9600),
        ...serialFraming,
        ...scannerCommon,
      })
      .strict(),
    z
      .object({
        kind: z.literal('hid'),
        path: z.string().min(1).describe('/dev/input/by-id/...-event-kbd'),
        grab: z.boolean().default(true).describe('take the device exclusively (EVIOCGRAB) so scans do not type into the console'),
        ...scannerCommon,
      })
      .strict(),
  ])
  .describe('barcode scanner');

export type BarcodeConfig = z.infer<typeof BarcodeConfig>;
export type BarcodeSuffix = Extract<BarcodeConfig, { kind: 'serial' }>['suffix'];
