/**
 * Periodic telemetry: one sample every `telemetry.intervalMs`, stored first
 * (TelemetryStore, group-committed) and published in batches on
 * kiosk/v1/{deviceId}/telemetry, one message in flight, deleted on PUBACK.
 * Offline, samples wait in SQLite like events, and are the first thing the
 * disk budget thins.
 */
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { ProcessMetrics } from '../ops/process-metrics.js';
import { TELEMETRY_BATCH_SCHEMA, TELEMETRY_SCHEMA, type TelemetrySample } from '../protocol/telemetry.js';
import type { TelemetryStore } from '../store/telemetry-store.js';
import type { Uplink } from './uplink.js';

/** What the kiosk reports besides process metrics; gathered by the wiring layer, which sees every part. */
export type KioskSnapshot = Pick<TelemetrySample, 'storage' | 'queue' | 'sync' | 'devices' | 'bins' | 'model'> & {
  disk: { freeBytes: number | null; totalBytes: number | null };
};

export interface TelemetryReporterOptions {
  store: TelemetryStore;
  uplink: Uplink;
  deviceId: string;
  clock: Clock;
  settings: DeviceConfig['telemetry'];
  metrics: ProcessMetrics;
  snapshot: () => KioskSnapshot;
  logger: Logger;
}

const BATCH_MAX_BYTES = 128 * 1024;

export class TelemetryReporter {
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private running = false;
  private readonly onConnected = (): void => this.drain();

  constructor(private readonly options: TelemetryReporterOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.uplink.on('connected', this.onConnected);
    this.timer = setInterval(() => this.sampleNow(), this.options.settings.intervalMs);
    this.timer.unref();
    this.drain();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.options.uplink.off('connected', this.onConnected);
  }

  /** Takes, stores and (when connected) publishes one sample now; returns it. */
  sampleNow(): TelemetrySample | undefined {
    const { store, deviceId, clock, metrics, snapshot, logger } = this.options;
    let sample: TelemetrySample | undefined;
    try {
      const kiosk = snapshot();
      const process = metrics.sample();
      sample = store.append((tseq) => ({
        schema: TELEMETRY_SCHEMA,
        deviceId,
        tseq,
        bootId: clock.bootId,
        time: clock.wallNow().toISOString(),
        uptimeMs: clock.uptimeMs(),
        process: { rssBytes: process.rssBytes, heapUsedBytes: process.heapUsedBytes, eventLoopLagMs: process.eventLoopLagMs, cpuPercent: process.cpuPercent },
        system: { cpuTemperatureC: process.cpuTemperatureC, diskFreeBytes: kiosk.disk.freeBytes, diskTotalBytes: kiosk.disk.totalBytes, load1: process.load1 },
        storage: kiosk.storage,
        queue: kiosk.queue,
        sync: kiosk.sync,
        devices: kiosk.devices,
        bins: kiosk.bins,
        model: kiosk.model,
      }));
    } catch (error) {
      // Telemetry is best effort: a sample that cannot be taken or stored must never disturb the kiosk.
      logger.warn({ err: error }, 'telemetry sample not taken');
    }
    this.drain();
    return sample;
  }

  private drain(): void {
    if (this.sending || !this.running || !this.options.uplink.isConnected) return;
    const { store, uplink, deviceId, settings, logger } = this.options;
    const entries = store.pending(0, settings.batchMaxSamples, BATCH_MAX_BYTES);
    const last = entries.at(-1);
    if (!last) return;
    this.sending = true;
    const body = `{"schema":"${TELEMETRY_BATCH_SCHEMA}","deviceId":${JSON.stringify(deviceId)},"samples":[${entries.map((entry) => entry.body).join(',')}]}`;
    uplink.publish('telemetry', body).then(
      () => {
        this.sending = false;
        try {
          store.remove(last.tseq);
        } catch (error) {
          logger.warn({ err: error }, 'could not delete published telemetry');
          return;
        }
        this.drain();
      },
      (error: unknown) => {
        this.sending = false;
        // Kept for the next connection or sample.
        logger.debug({ err: error }, 'telemetry not published');
      },
    );
  }
}
