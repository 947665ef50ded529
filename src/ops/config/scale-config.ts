import { z } from 'zod';
import { ReconnectConfig } from './common.js';

const ScaleProtocol = z
  .enum(['mt-sics', 'continuous-ascii'])
  .describe('mt-sics: Mettler Toledo MT-SICS level 0/1, polled with SI or streamed with SIR (see mode); continuous-ascii: indicator streaming "ST,GS,+0001.250kg" lines');

export const MtSicsMode = z
  .enum(['poll', 'stream'])
  .describe(
    'mt-sics: poll sends SI every pollIntervalMs; stream sends SIR once and the balance sends every reading, paused around T, TI, Z and ZI and sent again after them',
  );

export const ScaleStabilityConfig = z
  .object({
    mode: z
      .enum(['scale', 'software', 'both'])
      .default('scale')
      .describe(
        "scale: trust the scale's stable flag (software is used when a line carries none); software: ignore the flag; both: require both",
      ),
    readings: z.number().int().min(2).max(100).default(5).describe('software stability: at least this many readings...'),
    toleranceGrams: z.number().min(0).max(1000).default(2).describe('...all within this band...'),
    windowMs: z.number().int().min(0).max(10_000).default(500).describe('...for at least this long'),
  })
  .strict();

export const SCALE_STABILITY_DEFAULTS = { mode: 'scale', readings: 5, toleranceGrams: 2, windowMs: 500 } as const;

/** A factor outside this range means a wrong weight on the platform, not drift; calibrate() refuses it. */
export const CALIBRATION_FACTOR_RANGE = { min: 0.5, max: 2 } as const;

export const ScaleConfig = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('simulated'),
        readingIntervalMs: z.number().int().min(1).max(5000).default(50).describe('simulated A/D rate; also the poll interval'),
        noiseGrams: z.number().min(0).max(50).default(0.2).describe('noise of a settled reading'),
        protocol: ScaleProtocol.default('mt-sics').describe('the wire protocol the simulator speaks to the real driver'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('serial'),
        path: z.string().min(1).describe('serial device, preferably a /dev/serial/by-id/... path'),
        baudRate: z.number().int().positive().default(9600),
        protocol: ScaleProtocol.default('mt-sics'),
        mode: MtSicsMode.default('poll'),
        pollIntervalMs: z
          .number()
          .int()
          .min(10)
          .max(10_000)
          .default(100)
          .describe('mt-sics: pause between SI polls; in stream mode, how often the stream is checked and, after a command, resumed'),
        responseTimeoutMs: z
          .number()
          .int()
          .min(50)
          .max(60_000)
          .default(1000)
          .describe(
            'mt-sics: longest wait for an answer, and in stream mode the longest gap between streamed lines; continuous-ascii: longest silence between lines. Past it the scale is faulted',
          ),
        stableCommandTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(120_000)
          .default(10_000)
          .describe('longest wait for a command that needs a settled load (MT-SICS S, T, Z; software tare/zero/calibrate)'),
        reconnect: ReconnectConfig.default({ initialMs: 500, maxMs: 30_000 }),
        stability: ScaleStabilityConfig.default(SCALE_STABILITY_DEFAULTS),
        calibrationFactor: z
          .number()
          .min(CALIBRATION_FACTOR_RANGE.min)
          .max(CALIBRATION_FACTOR_RANGE.max)
          .default(1)
          .describe('multiplies every reading; written by the technician console after calibrate(knownGrams)'),
      })
      .strict(),
  ])
  .describe('weighing scale');

export type ScaleConfig = z.infer<typeof ScaleConfig>;
export type SimulatedScaleConfig = Extract<ScaleConfig, { kind: 'simulated' }>;
export type SerialScaleConfig = Extract<ScaleConfig, { kind: 'serial' }>;
export type ScaleStabilityConfig = z.infer<typeof ScaleStabilityConfig>;
