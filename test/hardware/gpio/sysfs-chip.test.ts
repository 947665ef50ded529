import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findSysfsChip, listSysfsChips, resolveSysfsLines, sysfsNumber } from '../../../src/hardware/gpio/sysfs-chip.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { makeTempDir, type TempDir } from '../../support/temp-dir.js';

interface FakeChip {
  label?: string;
  base: number;
  ngpio: number;
}

/** A /sys/class/gpio look-alike: gpiochipN directories with label, base and ngpio files. */
function fakeSysfs(dir: TempDir, chips: Record<string, FakeChip>): string {
  const root = dir.file('gpio');
  mkdirSync(root);
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const [name, chip] of Object.entries(chips)) {
    mkdirSync(join(root, name));
    if (chip.label !== undefined) writeFileSync(join(root, name, 'label'), `${chip.label}\n`);
    writeFileSync(join(root, name, 'base'), `${chip.base}\n`);
    writeFileSync(join(root, name, 'ngpio'), `${chip.ngpio}\n`);
  }
  return root;
}

// As on a Raspberry Pi 5 with kernel 6.6: the header GPIOs are on pinctrl-rp1, numbered from 571.
const PI5 = {
  gpiochip512: { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  gpiochip544: { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 27 },
  gpiochip571: { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
};

describe('sysfs GPIO chip resolution', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir('kiosk-sysfs-');
  });
  afterEach(() => dir.remove());

  it('numbers lines from base 0 on a Pi 4 style tree', async () => {
    const root = fakeSysfs(dir, { gpiochip0: { label: 'pinctrl-bcm2711', base: 0, ngpio: 58 }, gpiochip504: { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 } });
    const { chip, numbers } = await resolveSysfsLines('pinctrl-bcm2711', { 'door-lock': 22, 'item-present': 17 }, root);
    expect(chip).toEqual({ name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 0, ngpio: 58 });
    expect(Object.fromEntries(numbers)).toEqual({ 'door-lock': 22, 'item-present': 17 });
  });

  it('adds the chip base on a Pi 5 style tree with several chips', async () => {
    const root = fakeSysfs(dir, PI5);
    const { chip, numbers } = await resolveSysfsLines('pinctrl-rp1', { 'door-lock': 22, first: 0, last: 53 }, root);
    expect(chip.name).toBe('gpiochip571');
    expect(Object.fromEntries(numbers)).toEqual({ 'door-lock': 593, first: 571, last: 624 });
  });

  it('leaves out a chip without a label, and names the labels that exist when the one asked for is missing', async () => {
    const root = fakeSysfs(dir, { ...PI5, gpiochip600: { base: 600, ngpio: 4 } });
    expect((await listSysfsChips(root)).map((chip) => chip.name)).toEqual(['gpiochip512', 'gpiochip544', 'gpiochip571']);
    await expect(findSysfsChip('pinctrl-bcm2835', root)).rejects.toMatchObject({
      code: ErrorCode.GpioLineNotFound,
      context: { chipLabel: 'pinctrl-bcm2835', available: ['gpio-brcmstb@107d508500', 'gpio-brcmstb@107d508520', 'pinctrl-rp1'] },
    });
  });

  it('refuses a line offset beyond ngpio, naming the line', async () => {
    const root = fakeSysfs(dir, PI5);
    await expect(resolveSysfsLines('pinctrl-rp1', { ok: 3, 'door-lock': 54 }, root)).rejects.toMatchObject({
      code: ErrorCode.GpioLineNotFound,
      context: { line: 'door-lock', offset: 54, ngpio: 54 },
    });
    expect(() => sysfsNumber({ name: 'gpiochip0', label: 'x', base: 0, ngpio: 8 }, -1)).toThrow(expect.objectContaining({ code: ErrorCode.GpioLineNotFound }));
  });

  it('refuses to guess between two chips with the same label', async () => {
    const root = fakeSysfs(dir, { gpiochip0: { label: 'dup', base: 0, ngpio: 8 }, gpiochip8: { label: 'dup', base: 8, ngpio: 8 } });
    await expect(findSysfsChip('dup', root)).rejects.toMatchObject({ code: ErrorCode.GpioLineNotFound });
  });

  it('skips chips with unreadable numbers and ignores other entries', async () => {
    const root = fakeSysfs(dir, { gpiochip0: { label: 'bad', base: Number.NaN, ngpio: 8 }, gpiochip9: { label: 'good', base: 9, ngpio: 2 } });
    mkdirSync(join(root, 'gpio12'));
    expect(await listSysfsChips(root)).toEqual([{ name: 'gpiochip9', label: 'good', base: 9, ngpio: 2 }]);
  });

  it('fails with HardwareUnsupported when there is no sysfs GPIO at all', async () => {
    await expect(listSysfsChips(dir.file('no-such-dir'))).rejects.toMatchObject({ code: ErrorCode.HardwareUnsupported });
    await expect(findSysfsChip('pinctrl-rp1', dir.file('no-such-dir'))).rejects.toMatchObject({ code: ErrorCode.HardwareUnsupported });
  });

  it('treats an empty gpio class (no chips) as a missing chip', async () => {
    const root = fakeSysfs(dir, {});
    await expect(findSysfsChip('pinctrl-rp1', root)).rejects.toMatchObject({ code: ErrorCode.GpioLineNotFound, context: { available: [] } });
  });
});
