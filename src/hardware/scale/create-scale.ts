import type { Clock } from '../../ops/clock.js';
import type { ScaleConfig, SerialScaleConfig, SimulatedScaleConfig } from '../../ops/config/scale-config.js';
import type { Logger } from '../../ops/logger.js';
import type { ByteLink } from '../serial/byte-link.js';
import { MemoryLink } from '../serial/memory-link.js';
import { SerialPortLink } from '../serial/serial-port-link.js';
import { ContinuousAsciiScale } from './continuous-ascii-scale.js';
import { ContinuousAsciiSimulator } from './continuous-ascii-simulator.js';
import { MtSicsScale } from './mt-sics-scale.js';
import { MtSicsSimulator } from './mt-sics-simulator.js';
import type { Scale } from './scale.js';
import type { Companion } from './scale-driver.js';

export interface ScaleDependencies {
  clock: Clock;
  logger: Logger;
}

/** The control the scenario player drives: what is on the platform. */
export interface ScaleSimulatorControl {
  setLoad(grams: number): void;
}

/** Both simulators offer setLoad() plus their own fault injection. */
export type ScaleSimulator = MtSicsSimulator | ContinuousAsciiSimulator;

export interface CreatedScale {
  device: Scale;
  /** Present for the simulated kind: the simulator on the far end of the link. */
  simulator?: ScaleSimulator;
}

/** How long a simulated balance may take for S / T / Z; generous, it only matters when a load never settles. */
const SIMULATED_STABLE_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Builds the scale device-config asks for. A simulated scale is the REAL
 * driver talking its wire protocol over an in-memory link to a simulator; the
 * driver starts and stops the simulator with itself, so the kiosk wires both
 * kinds the same way.
 */
export function createScale(config: ScaleConfig, dependencies: ScaleDependencies): CreatedScale {
  return config.kind === 'simulated' ? createSimulated(config, dependencies) : { device: createSerial(config, dependencies) };
}

function createSimulated(config: SimulatedScaleConfig, { clock, logger }: ScaleDependencies): CreatedScale {
  const [driverEnd, deviceEnd] = MemoryLink.pair('simulated-scale');
  const base = { link: driverEnd, clock, logger, stableCommandTimeoutMs: SIMULATED_STABLE_COMMAND_TIMEOUT_MS };
  if (config.protocol === 'mt-sics') {
    const simulator = new MtSicsSimulator(deviceEnd, { readingIntervalMs: config.readingIntervalMs, noiseGrams: config.noiseGrams });
    const device = new MtSicsScale({
      ...base,
      companion: simulator,
      pollIntervalMs: config.readingIntervalMs,
      responseTimeoutMs: 1000,
    });
    return { device, simulator };
  }
  const simulator = new ContinuousAsciiSimulator(deviceEnd, { intervalMs: config.readingIntervalMs, noiseGrams: config.noiseGrams });
  const device = new ContinuousAsciiScale({
    ...base,
    companion: simulator,
    // Silence is judged against the line rate: ten missed lines, and never under a second.
    responseTimeoutMs: Math.max(1000, config.readingIntervalMs * 10),
  });
  return { device, simulator };
}

function createSerial(config: SerialScaleConfig, { clock, logger }: ScaleDependencies): Scale {
  const link = new SerialPortLink({
    path: config.path,
    baudRate: config.baudRate,
    reconnect: config.reconnect,
    logger: logger.child({ component: 'scale.link' }),
  });
  return createDriver(config, link, { clock, logger });
}

/** The driver for a protocol over any link: used by createScale and by tests that bring their own link (PTY, hardware). */
export function createDriver(
  config: Omit<SerialScaleConfig, 'kind' | 'path' | 'baudRate' | 'reconnect'>,
  link: ByteLink,
  { clock, logger }: ScaleDependencies,
  companion?: Companion,
): Scale {
  const base = {
    link,
    clock,
    logger,
    stableCommandTimeoutMs: config.stableCommandTimeoutMs,
    stability: config.stability,
    calibrationFactor: config.calibrationFactor,
    ...(companion ? { companion } : {}),
  };
  return config.protocol === 'mt-sics'
    ? new MtSicsScale({ ...base, mode: config.mode, pollIntervalMs: config.pollIntervalMs, responseTimeoutMs: config.responseTimeoutMs })
    : new ContinuousAsciiScale({ ...base, responseTimeoutMs: config.responseTimeoutMs });
}
