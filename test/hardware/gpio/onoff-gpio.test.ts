import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OnoffGpio } from '../../../src/hardware/gpio/onoff-gpio.js';
import { SYSFS_GPIO_ROOT } from '../../../src/hardware/gpio/sysfs-chip.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { GpioConfig } from '../../../src/ops/config/gpio-config.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { createSilentLogger } from '../../../src/ops/logger.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';
import { describeGpioContract } from './gpio-contract.js';

const clock = createSystemClock();
const logger = createSilentLogger();

/** A gpio class dir with one chip, pinctrl-rp1 at base 571, as on a Pi 5. */
function fakeChip(dir: TempDir): string {
  const root = dir.file('gpio');
  mkdirSync(join(root, 'gpiochip571'), { recursive: true });
  for (const [file, text] of Object.entries({ label: 'pinctrl-rp1', base: '571', ngpio: '54' })) writeFileSync(join(root, 'gpiochip571', file), text);
  return root;
}
function sysfsConfig(chipLabel: string): GpioConfig {
  return GpioConfig.parse({
    kind: 'sysfs',
    chipLabel,
    lines: { 'door-lock': { direction: 'out', line: 22 }, 'item-present': { direction: 'in', line: 17, activeLow: true, debounceMs: 10 } },
  });
}

// Wherever it runs: the chip is looked up (in a temp dir here) before any pin is touched.
describe('OnoffGpio chip lookup', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir('kiosk-onoff-');
  });
  afterEach(() => dir.remove());

  it('fails with GpioLineNotFound before touching any pin when the chip label is wrong', async () => {
    const gpio = new OnoffGpio({ config: sysfsConfig('pinctrl-bcm2711'), clock, logger, sysfsRoot: fakeChip(dir) });
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.GpioLineNotFound, context: { available: ['pinctrl-rp1'] } });
    expect(gpio.health().state).toBe('stopped');
  });
});

// These need a machine without /sys/class/gpio (CI, developer VMs); on a board they would find the real one.
// The driver against a working sysfs is onoff-gpio-sysfs-sim.int.test.ts (simulator) and the board contract below.
const hasSysfsGpio = existsSync(SYSFS_GPIO_ROOT);
describe.skipIf(hasSysfsGpio)(`OnoffGpio on a machine without sysfs GPIO${hasSysfsGpio ? ` (skipped: ${SYSFS_GPIO_ROOT} exists here)` : ''}`, () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir('kiosk-onoff-');
  });
  afterEach(() => dir.remove());

  it('fails at start with HardwareUnsupported, and stays stopped', async () => {
    const gpio = new OnoffGpio({ config: sysfsConfig('pinctrl-rp1'), clock, logger });
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.HardwareUnsupported });
    expect(gpio.health().state).toBe('stopped');
    expect(() => gpio.read('item-present')).toThrow(expect.objectContaining({ code: ErrorCode.HardwareFault }));
    await gpio.stop();
  });

  it('fails with HardwareUnsupported when the chip resolves but onoff cannot export (no /sys/class/gpio/export)', async () => {
    const gpio = new OnoffGpio({ config: sysfsConfig('pinctrl-rp1'), clock, logger, sysfsRoot: fakeChip(dir) });
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.HardwareUnsupported });
  });
});

/**
 * On a board: KIOSK_TEST_GPIO_CHIP=<chip label> KIOSK_TEST_GPIO_LOOPBACK=<output offset>:<input offset>,
 * with a jumper (through ~1 kΩ) from the output pin to the input pin, both otherwise unconnected.
 */
const chipLabel = process.env.KIOSK_TEST_GPIO_CHIP;
const loopback = /^(\d+):(\d+)$/.exec(process.env.KIOSK_TEST_GPIO_LOOPBACK ?? '');
if (chipLabel && !loopback) throw new Error('KIOSK_TEST_GPIO_CHIP is set: also set KIOSK_TEST_GPIO_LOOPBACK=<output offset>:<input offset> (pins joined by a jumper)');
const [outputOffset, inputOffset] = loopback ? [Number(loopback[1]), Number(loopback[2])] : [0, 1];
describeGpioContract(
  `OnoffGpio on ${chipLabel ?? 'a board'}`,
  async (lines) => {
    const config = GpioConfig.parse({
      kind: 'sysfs',
      chipLabel,
      lines: {
        'probe-in': { direction: 'in', line: inputOffset, ...lines.input },
        'probe-out': { direction: 'out', line: outputOffset, ...lines.output },
      },
    });
    const gpio = new OnoffGpio({ config, clock, logger });
    return {
      gpio,
      // The jumper: probe-out drives probe-in, so both sides of the contract go through real pins.
      setLevel: (level) => gpio.write('probe-out', level !== lines.output.activeLow),
      level: async () => gpio.read('probe-in') !== lines.input.activeLow,
      dispose: async () => undefined,
    };
  },
  chipLabel ? {} : { skip: 'real pins only: set KIOSK_TEST_GPIO_CHIP and KIOSK_TEST_GPIO_LOOPBACK on a board (docs/hardware.md)' },
);
