import { z } from 'zod';
import { DeviceName } from './events.js';

/**
 * Periodic health of one kiosk, on kiosk/v1/{deviceId}/telemetry (QoS 1) as
 * batches of samples. Samples are kept in their own SQLite table, apart from
 * the events outbox: under the disk budget they are thinned first (every drop
 * counted in `storage.telemetryDropped`), and they have their own counter
 * `tseq`, so thinning never leaves a gap in the event seq the backend checks.
 */
export const TELEMETRY_SCHEMA = 'kiosk.telemetry/1';
export const TELEMETRY_BATCH_SCHEMA = 'kiosk.telemetry-batch/1';

const bytes = z.number().int().min(0);

export const TelemetrySample = z
  .object({
    schema: z.literal(TELEMETRY_SCHEMA),
    deviceId: z.string().min(1),
    tseq: z.number().int().min(1).describe('per-device telemetry counter: increasing, never reused; gaps are thinned samples'),
    bootId: z.uuid(),
    time: z.iso.datetime({ offset: true }).describe('wall time; may be wrong before NTP sync'),
    uptimeMs: z.number().int().min(0),
    process: z
      .object({
        rssBytes: bytes,
        heapUsedBytes: bytes,
        eventLoopLagMs: z.object({ p50: z.number().min(0), p99: z.number().min(0), max: z.number().min(0) }).strict().describe('event-loop delay over the interval'),
        cpuPercent: z.number().min(0).describe('process CPU time over the interval, as a share of one core'),
      })
      .strict(),
    system: z
      .object({
        cpuTemperatureC: z.number().nullable().describe('SoC temperature; null where the board does not expose one'),
        diskFreeBytes: bytes.nullable(),
        diskTotalBytes: bytes.nullable(),
        load1: z.number().min(0),
      })
      .strict(),
    storage: z
      .object({
        databaseBytes: bytes.describe('bytes the database uses (pages in use, plus the WAL)'),
        budgetBytes: bytes,
        bytesWrittenToday: bytes.describe('bytes this process wrote to storage since local midnight (flash wear), from /proc/self/io'),
        bytesWrittenTotal: bytes.describe('bytes written since the counter began, across restarts'),
        telemetryDropped: z.number().int().min(0).describe('samples dropped by thinning since the counter began'),
        intake: z.enum(['open', 'paused']).describe('paused: the kiosk refuses new items because the disk budget is reached'),
      })
      .strict(),
    queue: z
      .object({
        depth: z.number().int().min(0).describe('events not yet acknowledged by the backend'),
        oldestAgeMs: z.number().int().min(0).nullable().describe('age of the oldest of them (by wall time)'),
        lastSeq: z.number().int().min(0),
        ackedSeq: z.number().int().min(0),
      })
      .strict(),
    sync: z
      .object({
        connected: z.boolean(),
        state: z.enum(['offline', 'draining', 'idle', 'parked']),
        parkedReason: z.string().nullable().describe('why publishing stopped (e.g. not-authorized); null when not parked'),
      })
      .strict(),
    devices: z.partialRecord(DeviceName, z.enum(['running', 'faulted', 'stopped'])).describe('health of each device'),
    bins: z.record(z.string(), z.enum(['ok', 'full', 'unknown'])).describe('by bin name, from the bin-full sensors; unknown without a sensor'),
    model: z.object({ name: z.string(), version: z.string(), state: z.enum(['ready', 'faulted', 'loading']) }).strict(),
  })
  .strict();

export type TelemetrySample = z.infer<typeof TelemetrySample>;

export const TelemetryBatch = z
  .object({
    schema: z.literal(TELEMETRY_BATCH_SCHEMA),
    deviceId: z.string().min(1),
    samples: z.array(TelemetrySample).min(1),
  })
  .strict();
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;
