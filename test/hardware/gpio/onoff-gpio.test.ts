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

function sysfsConfig(chipLabel: string): GpioConfig {
  return GpioConfig.parse({
    kind: 'sysfs',
    chipLabel,
    lines: { 'door-lock': { direction: 'out', line: 22 }, 'item-present': { direction: 'in', line: 17, activeLow: true, debounceMs: 10 } },
  });
}

// Registered where there is no GPIO at all (CI, developer VMs); a Raspberry Pi runs the contract below instead.
if (!existsSync(SYSFS_GPIO_ROOT)) describe('OnoffGpio on a machine without sysfs GPIO', () => {
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

  it('fails with GpioLineNotFound before touching any pin when the chip label is wrong', async () => {
    const root = dir.file('gpio');
    mkdirSync(join(root, 'gpiochip571'), { recursive: true });
    for (const [file, text] of Object.entries({ label: 'pinctrl-rp1', base: '571', ngpio: '54' })) writeFileSync(join(root, 'gpiochip571', file), text);
    const gpio = new OnoffGpio({ config: sysfsConfig('pinctrl-bcm2711'), clock, logger, sysfsRoot: root });
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.GpioLineNotFound });
  });

  it('fails with HardwareUnsupported when the chip resolves but onoff cannot export (no /sys/class/gpio/export)', async () => {
    const root = dir.file('gpio');
    mkdirSync(join(root, 'gpiochip571'), { recursive: true });
    for (const [file, text] of Object.entries({ label: 'pinctrl-rp1', base: '571', ngpio: '54' })) writeFileSync(join(root, 'gpiochip571', file), text);
    const gpio = new OnoffGpio({ config: sysfsConfig('pinctrl-rp1'), clock, logger, sysfsRoot: root });
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.HardwareUnsupported });
  });
});

/**
 * On a board: KIOSK_TEST_GPIO_CHIP=<chip label> KIOSK_TEST_GPIO_LOOPBACK=<output offset>:<input offset>,
 * with a jumper (through ~1 kΩ) from the output pin to the input pin, both otherwise unconnected.
 */
const chipLabel = process.env.KIOSK_TEST_GPIO_CHIP;
if (chipLabel) {
  const loopback = /^(\d+):(\d+)$/.exec(process.env.KIOSK_TEST_GPIO_LOOPBACK ?? '');
  if (!loopback) throw new Error('KIOSK_TEST_GPIO_CHIP is set: also set KIOSK_TEST_GPIO_LOOPBACK=<output offset>:<input offset> (pins joined by a jumper)');
  const [outputOffset, inputOffset] = [Number(loopback[1]), Number(loopback[2])];
  describeGpioContract(`OnoffGpio on ${chipLabel}`, async (lines) => {
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
  });
}
