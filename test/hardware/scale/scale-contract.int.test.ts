import { createScale } from '../../../src/hardware/scale/create-scale.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { ScaleConfig } from '../../../src/ops/config/scale-config.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { describeScaleContract } from './scale-contract.js';
import { continuousOverPty, mtSicsOverPty } from './scale-rigs.js';

describeScaleContract(
  'MtSicsScale + MtSicsSimulator over a PTY',
  async () => {
    const rig = await mtSicsOverPty({ startDriver: false });
    return { scale: rig.scale, setLoad: (grams) => rig.simulator.setLoad(grams), dispose: () => rig.dispose() };
  },
  { loadControl: true },
);

describeScaleContract(
  'ContinuousAsciiScale + ContinuousAsciiSimulator over a PTY',
  async () => {
    const rig = await continuousOverPty({ startDriver: false });
    return { scale: rig.scale, setLoad: (grams) => rig.simulator.setLoad(grams), dispose: () => rig.dispose() };
  },
  { loadControl: true },
);

for (const protocol of ['mt-sics', 'continuous-ascii'] as const) {
  describeScaleContract(
    `createScale, simulated kind (${protocol}, in memory, as the simulated kiosk runs it)`,
    async () => {
      const { device, simulator } = createScale(
        { kind: 'simulated', readingIntervalMs: 20, noiseGrams: 0.2, protocol },
        { clock: createSystemClock(), logger: createSilentLogger() },
      );
      return { scale: device, setLoad: (grams) => simulator!.setLoad(grams), dispose: () => device.stop() };
    },
    { loadControl: true },
  );
}

/*
 * Real hardware, only when a port is named — otherwise these tests are not
 * registered at all (never counted as passed):
 *   KIOSK_TEST_SCALE_PORT=/dev/serial/by-id/usb-FTDI_…  (required)
 *   KIOSK_TEST_SCALE_PROTOCOL=mt-sics | continuous-ascii (default mt-sics)
 *   KIOSK_TEST_SCALE_BAUD=9600
 * The platform must be EMPTY: the suite zeroes and tares it.
 */
const hardwarePort = process.env.KIOSK_TEST_SCALE_PORT;
if (hardwarePort) {
  const config = ScaleConfig.parse({
    kind: 'serial',
    path: hardwarePort,
    protocol: process.env.KIOSK_TEST_SCALE_PROTOCOL ?? 'mt-sics',
    baudRate: Number(process.env.KIOSK_TEST_SCALE_BAUD ?? 9600),
  });
  describeScaleContract(
    `real scale at ${hardwarePort}`,
    async () => {
      const { device } = createScale(config, { clock: createSystemClock(), logger: createSilentLogger() });
      return { scale: device, dispose: () => device.stop() };
    },
    { loadControl: false, stableTimeoutMs: 30_000 },
  );
}
