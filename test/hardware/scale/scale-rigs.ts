import { ContinuousAsciiSimulator, type ContinuousAsciiSimulatorSettings } from '../../../src/hardware/scale/continuous-ascii-simulator.js';
import { createDriver } from '../../../src/hardware/scale/create-scale.js';
import { MtSicsSimulator, type MtSicsSimulatorSettings } from '../../../src/hardware/scale/mt-sics-simulator.js';
import type { Scale, WeighingRange, WeightReading } from '../../../src/hardware/scale/scale.js';
import { seededRandom } from '../../../src/ops/seeded-random.js';
import { SerialPortLink } from '../../../src/hardware/serial/serial-port-link.js';
import type { Clock } from '../../../src/ops/clock.js';
import { ScaleConfig, type SerialScaleConfig } from '../../../src/ops/config/scale-config.js';
import type { KioskError } from '../../../src/ops/errors.js';
import { createSilentLogger, type Logger } from '../../../src/ops/logger.js';
import { PtyPair } from '../../support/pty-pair.js';

/** Fast but not twitchy: the machine running the tests is shared, so answers may be late now and then. */
export const RIG_TIMING = { readingIntervalMs: 20, responseTimeoutMs: 1000, stableCommandTimeoutMs: 4000 };

/** A clock far from zero, so a test can tell that reading times come from the injected Clock. */
export function offsetClock(offsetMs: number): Clock {
  const startedAt = performance.now();
  return { bootId: 'test-boot', wallNow: () => new Date(), uptimeMs: () => offsetMs + Math.floor(performance.now() - startedAt) };
}

export function serialLink(path: string): SerialPortLink {
  return new SerialPortLink({ path, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger: createSilentLogger() });
}

/** Everything a scale emitted, for assertions. */
export class ScaleRecorder {
  readonly readings: WeightReading[] = [];
  readonly faults: KioskError[] = [];
  readonly ranges: WeighingRange[] = [];
  recoveries = 0;

  constructor(scale: Scale) {
    scale.on('reading', (reading) => this.readings.push(reading));
    scale.on('fault', (error) => this.faults.push(error));
    scale.on('recovered', () => (this.recoveries += 1));
    scale.on('range', (range) => this.ranges.push(range));
  }

  /** Readings from now on: call, act, then look at `since()`. */
  mark(): () => WeightReading[] {
    const from = this.readings.length;
    return () => this.readings.slice(from);
  }
}

export interface PtyScaleRig<S> {
  pty: PtyPair;
  scale: Scale;
  simulator: S;
  recorder: ScaleRecorder;
  dispose(): Promise<void>;
}

type DriverOverrides = Partial<Omit<SerialScaleConfig, 'kind' | 'path' | 'protocol'>>;

interface RigOptions {
  driver?: DriverOverrides;
  clock?: Clock;
  /** The driver's logger (silent by default), e.g. captureLogs() to read its lines back. */
  logger?: Logger;
  startDriver?: boolean;
  unpluggedAtStart?: boolean;
}

function driverConfig(protocol: SerialScaleConfig['protocol'], overrides: DriverOverrides): SerialScaleConfig {
  const parsed = ScaleConfig.parse({
    kind: 'serial',
    path: 'unused',
    protocol,
    pollIntervalMs: RIG_TIMING.readingIntervalMs,
    responseTimeoutMs: RIG_TIMING.responseTimeoutMs,
    stableCommandTimeoutMs: RIG_TIMING.stableCommandTimeoutMs,
    ...overrides,
  });
  if (parsed.kind !== 'serial') throw new Error('unreachable');
  return parsed;
}

/**
 * The real driver on the PTY's driver end (through SerialPortLink, as on a
 * kiosk) and the simulator on the device end, through another SerialPortLink.
 */
async function ptyRig<S extends { start(): Promise<void>; stop(): Promise<void> }>(
  protocol: SerialScaleConfig['protocol'],
  makeSimulator: (link: SerialPortLink) => S,
  options: RigOptions,
): Promise<PtyScaleRig<S>> {
  const pty = await PtyPair.create();
  const simulator = makeSimulator(serialLink(pty.devicePath));
  const scale = createDriver(driverConfig(protocol, options.driver ?? {}), serialLink(pty.driverPath), {
    clock: options.clock ?? offsetClock(0),
    logger: options.logger ?? createSilentLogger(),
  });
  const recorder = new ScaleRecorder(scale);
  if (options.unpluggedAtStart) await pty.unplug();
  await simulator.start();
  if (options.startDriver !== false) await scale.start();
  return {
    pty,
    scale,
    simulator,
    recorder,
    async dispose() {
      await scale.stop();
      await simulator.stop();
      await pty.dispose();
    },
  };
}

export function mtSicsOverPty(
  options: RigOptions & { simulator?: Partial<MtSicsSimulatorSettings> } = {},
): Promise<PtyScaleRig<MtSicsSimulator>> {
  return ptyRig(
    'mt-sics',
    (link) => new MtSicsSimulator(link, { readingIntervalMs: RIG_TIMING.readingIntervalMs, noiseGrams: 0.2, random: seededRandom(7), ...options.simulator }),
    options,
  );
}

export function continuousOverPty(
  options: RigOptions & { simulator?: Partial<ContinuousAsciiSimulatorSettings> } = {},
): Promise<PtyScaleRig<ContinuousAsciiSimulator>> {
  return ptyRig(
    'continuous-ascii',
    (link) =>
      new ContinuousAsciiSimulator(link, {
        intervalMs: RIG_TIMING.readingIntervalMs,
        noiseGrams: 0.2,
        unit: 'g',
        decimals: 1,
        random: seededRandom(11),
        ...options.simulator,
      }),
    options,
  );
}

/** Close enough for a settled simulated load with ±0.2 g noise (and display rounding). */
export function near(expected: number, tolerance = 0.5): (reading: WeightReading) => boolean {
  return (reading) => Math.abs(reading.grams - expected) <= tolerance;
}
