/**
 * Finds the sysfs GPIO number of a line from its chip's label and offset.
 *
 * sysfs numbers are `base + offset`, and the base is not fixed: on kernels
 * >= 6.6 (and on every Raspberry Pi 5) the GPIO chips are numbered from 512
 * upwards, e.g. the Pi 5's header chip `pinctrl-rp1` has base 571, while
 * older Pi 4 kernels give `pinctrl-bcm2711` base 0. So line numbers are never
 * hard-coded: the chip is looked up by label under /sys/class/gpio/gpiochip*.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, KioskError } from '../../ops/errors.js';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

export interface SysfsChip {
  /** Directory name, e.g. "gpiochip571". */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** Every gpiochip under `root` whose label, base and ngpio can be read; unreadable ones are left out. */
export async function listSysfsChips(root: string = SYSFS_GPIO_ROOT): Promise<SysfsChip[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    throw new KioskError(
      ErrorCode.HardwareUnsupported,
      `sysfs GPIO is not available at ${root}: this machine has no GPIO, or the kernel was built without CONFIG_GPIO_SYSFS`,
      { root },
      { cause: error },
    );
  }
  const chips: SysfsChip[] = [];
  for (const name of entries.filter((entry) => /^gpiochip\d+$/.test(entry)).sort()) {
    const chip = await readChip(root, name);
    if (chip) chips.push(chip);
  }
  return chips;
}

async function readChip(root: string, name: string): Promise<SysfsChip | undefined> {
  try {
    const [label, base, ngpio] = await Promise.all(
      ['label', 'base', 'ngpio'].map((file) => readFile(join(root, name, file), 'utf8').then((text) => text.trim())),
    );
    const baseNumber = Number(base);
    const count = Number(ngpio);
    if (!label || !Number.isInteger(baseNumber) || baseNumber < 0 || !Number.isInteger(count) || count < 0) return undefined;
    return { name, label, base: baseNumber, ngpio: count };
  } catch {
    // A chip without a readable label/base/ngpio cannot be the one asked for by label.
    return undefined;
  }
}

/** The one chip labelled `label`; fails with GpioLineNotFound naming the labels that do exist. */
export async function findSysfsChip(label: string, root: string = SYSFS_GPIO_ROOT): Promise<SysfsChip> {
  const chips = await listSysfsChips(root);
  const matches = chips.filter((chip) => chip.label === label);
  const available = chips.map((chip) => chip.label);
  if (matches.length === 0) {
    throw new KioskError(
      ErrorCode.GpioLineNotFound,
      `no GPIO chip labelled "${label}" under ${root}; set hardware.gpio.chipLabel to one of: ${available.join(', ') || '(none)'}`,
      { root, chipLabel: label, available },
    );
  }
  if (matches.length > 1) {
    // Guessing could drive the wrong pin (a door lock), so refuse.
    throw new KioskError(ErrorCode.GpioLineNotFound, `more than one GPIO chip is labelled "${label}" under ${root}`, {
      root,
      chipLabel: label,
      chips: matches.map((chip) => chip.name),
    });
  }
  return matches[0]!;
}

/** The sysfs GPIO number of line `offset` on `chip`; `line` names it in the error. */
export function sysfsNumber(chip: SysfsChip, offset: number, line?: string): number {
  if (!Number.isInteger(offset) || offset < 0 || offset >= chip.ngpio) {
    const what = line === undefined ? `GPIO line offset ${offset}` : `GPIO line "${line}" (offset ${offset})`;
    throw new KioskError(
      ErrorCode.GpioLineNotFound,
      `${what} is outside chip "${chip.label}": ${chip.name} has lines 0..${chip.ngpio - 1}`,
      { line, chipLabel: chip.label, chip: chip.name, offset, ngpio: chip.ngpio },
    );
  }
  return chip.base + offset;
}

/** Resolves every named line offset to its sysfs number, failing on the first one that does not exist. */
export async function resolveSysfsLines(
  label: string,
  offsets: Readonly<Record<string, number>>,
  root: string = SYSFS_GPIO_ROOT,
): Promise<{ chip: SysfsChip; numbers: Map<string, number> }> {
  const chip = await findSysfsChip(label, root);
  const numbers = new Map<string, number>();
  for (const [name, offset] of Object.entries(offsets)) numbers.set(name, sysfsNumber(chip, offset, name));
  return { chip, numbers };
}
