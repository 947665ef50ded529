import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ProcessSample {
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopLagMs: { p50: number; p99: number; max: number };
  cpuPercent: number;
  cpuTemperatureC: number | null;
  load1: number;
}

/** The SoC temperature in °C from the kernel's thermal zone (millidegrees), or null where there is none. */
export function readCpuTemperature(file = '/sys/class/thermal/thermal_zone0/temp'): number | null {
  try {
    const milli = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  } catch {
    return null;
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Process health over an interval: each `sample()` reports since the one
 * before (event-loop delay from perf_hooks' histogram, CPU time as a share of
 * one core), so a periodic reporter sees what happened between its samples.
 */
export class ProcessMetrics {
  private readonly histogram: IntervalHistogram;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  constructor(private readonly temperature: () => number | null = readCpuTemperature) {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  sample(): ProcessSample {
    const memory = process.memoryUsage();
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const ns = (value: number): number => (Number.isFinite(value) ? value / 1e6 : 0);
    const lag = { p50: round(ns(this.histogram.percentile(50))), p99: round(ns(this.histogram.percentile(99))), max: round(ns(this.histogram.max)) };
    this.histogram.reset();
    return {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopLagMs: lag,
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100),
      cpuTemperatureC: this.temperature(),
      load1: round(loadavg()[0] ?? 0),
    };
  }

  stop(): void {
    this.histogram.disable();
  }
}
