/**
 * The real GPIO driver against the sysfs GPIO simulator: OnoffGpio, onoff and
 * its epoll addon, unchanged, in a child process whose /sys/class/gpio is the
 * FUSE simulator (sysfs-gpio-sim.ts, remote-gpio.ts). Edges travel as on a
 * board: the simulator raises POLLPRI on gpioN/value, onoff's epoll thread
 * wakes, reads the value and debounces.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/hardware/gpio/gpio.js';
import { GpioConfig } from '../../../src/ops/config/gpio-config.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { describeGpioContract } from './gpio-contract.js';
import { RemoteGpio } from './remote-gpio.js';
import { PI5_CHIPS, SysfsGpioSim, sysfsGpioSimUnavailable, type SimChip } from './sysfs-gpio-sim.js';

const unavailable = sysfsGpioSimUnavailable();
const RP1_BASE = 571;
const OUT_OFFSET = 20;
const IN_OFFSET = 21;

describeGpioContract(
  'OnoffGpio over the sysfs GPIO simulator (Pi 5 chip tree, pinctrl-rp1 at base 571)',
  async (lines) => {
    const sim = await SysfsGpioSim.start(PI5_CHIPS);
    try {
      const config = GpioConfig.parse({
        kind: 'sysfs',
        chipLabel: 'pinctrl-rp1',
        lines: {
          'probe-in': { direction: 'in', line: IN_OFFSET, ...lines.input },
          'probe-out': { direction: 'out', line: OUT_OFFSET, ...lines.output },
        },
      });
      const gpio = await RemoteGpio.spawn(config, sim.gpioRoot);
      return {
        gpio,
        setLevel: (level) => sim.setLevel(RP1_BASE + IN_OFFSET, level),
        level: () => sim.level(RP1_BASE + OUT_OFFSET),
        dispose: async () => {
          await gpio.dispose();
          await sim.stop();
        },
      };
    } catch (error) {
      await sim.stop();
      throw error;
    }
  },
  unavailable === undefined ? {} : { skip: unavailable },
);

const PI4_CHIPS: readonly SimChip[] = [
  { name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 0, ngpio: 58 },
  { name: 'gpiochip504', label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
];

/** The kiosk's own wiring (docs/hardware.md), as offsets on the chip. */
const KIOSK_LINES = {
  'item-present': { direction: 'in', line: 17, activeLow: true, debounceMs: 20 },
  'door-closed': { direction: 'in', line: 27, activeLow: true, debounceMs: 20 },
  'door-lock': { direction: 'out', line: 22 },
  'lamp-reject': { direction: 'out', line: 19, activeLow: true },
} as const;

describe.skipIf(unavailable !== undefined)(`OnoffGpio's use of sysfs, seen by the simulator${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let sim: SysfsGpioSim | undefined;
  let gpio: RemoteGpio | undefined;

  afterEach(async () => {
    await gpio?.dispose();
    await sim?.stop();
    gpio = undefined;
    sim = undefined;
  });

  async function open(chips: readonly SimChip[], chipLabel: string): Promise<{ sim: SysfsGpioSim; gpio: RemoteGpio }> {
    sim = await SysfsGpioSim.start(chips);
    gpio = await RemoteGpio.spawn(GpioConfig.parse({ kind: 'sysfs', chipLabel, lines: KIOSK_LINES }), sim.gpioRoot);
    return { sim, gpio };
  }

  it.each([
    { board: 'Pi 5 (pinctrl-rp1 at base 571, among three chips)', chips: PI5_CHIPS, chipLabel: 'pinctrl-rp1', base: 571 },
    { board: 'Pi 4 (pinctrl-bcm2711 at base 0)', chips: PI4_CHIPS, chipLabel: 'pinctrl-bcm2711', base: 0 },
  ])('exports base + offset and sets each line up as configured on a $board', async ({ chips, chipLabel, base }) => {
    const { sim, gpio } = await open(chips, chipLabel);
    await gpio.start();
    for (const [, line] of Object.entries(KIOSK_LINES)) {
      const number = base + line.line;
      expect(sim.exported(number)).toBe(true);
      expect(await sim.attribute(number, 'direction')).toBe(line.direction);
      expect(await sim.attribute(number, 'active_low')).toBe('activeLow' in line && line.activeLow ? '1' : '0');
      expect(await sim.attribute(number, 'edge')).toBe(line.direction === 'in' ? 'both' : 'none');
    }
    // Nothing else was touched.
    expect((await sim.log()).filter((entry) => entry.startsWith('export ')).sort()).toEqual(
      Object.values(KIOSK_LINES)
        .map((line) => `export ${base + line.line}`)
        .sort(),
    );
  });

  it('never drives an output to its active level while opening it, and starts it inactive', async () => {
    const { sim, gpio } = await open(PI5_CHIPS, 'pinctrl-rp1');
    await gpio.start();
    const log = await sim.log();
    // lamp-reject is active-low: its pin must only ever have been driven high (inactive).
    expect(log.filter((entry) => entry.startsWith(`drive ${RP1_BASE + 19} `))).toEqual([`drive ${RP1_BASE + 19} 1`]);
    // active_low is set before the direction makes the pin an output.
    expect(log.indexOf(`active_low ${RP1_BASE + 19} 1`)).toBeLessThan(log.indexOf(`direction ${RP1_BASE + 19} high`));
    expect(log.filter((entry) => entry.startsWith(`drive ${RP1_BASE + 22} `))).toEqual([`drive ${RP1_BASE + 22} 0`]);
    expect(gpio.read('lamp-reject')).toBe(false);
    expect(await sim.level(RP1_BASE + 19)).toBe(true);
  });

  it('reads the kernel-inverted level of an active-low input at start, and reports its debounced edges', async () => {
    sim = await SysfsGpioSim.start(PI5_CHIPS);
    // The light barrier is interrupted (pin low, active-low: an item is present) before the kiosk starts.
    await sim.setLevel(RP1_BASE + 17, false);
    gpio = await RemoteGpio.spawn(GpioConfig.parse({ kind: 'sysfs', chipLabel: 'pinctrl-rp1', lines: KIOSK_LINES }), sim.gpioRoot);
    const edges: Edge[] = [];
    gpio.on('edge', (edge) => edges.push(edge));
    await gpio.start();
    expect(gpio.read('item-present')).toBe(true);
    await sim.setLevel(RP1_BASE + 17, true);
    await waitFor(() => edges.length === 1, { timeoutMs: 5000, description: 'item-present falls' });
    expect(edges[0]).toMatchObject({ line: 'item-present', value: false });
    expect(gpio.read('item-present')).toBe(false);
  });

  it('at stop sets the outputs inactive and unexports every line', async () => {
    const { sim, gpio } = await open(PI5_CHIPS, 'pinctrl-rp1');
    await gpio.start();
    await gpio.write('door-lock', true);
    await gpio.write('lamp-reject', true);
    expect(await sim.level(RP1_BASE + 22)).toBe(true);
    expect(await sim.level(RP1_BASE + 19)).toBe(false);
    await gpio.stop();
    for (const line of Object.values(KIOSK_LINES)) expect(sim.exported(RP1_BASE + line.line)).toBe(false);
    // An output keeps driving after unexport (as the kernel leaves it): inactive.
    expect(await sim.level(RP1_BASE + 22)).toBe(false);
    expect(await sim.level(RP1_BASE + 19)).toBe(true);
    expect(gpio.health().state).toBe('stopped');
  });

  it('fails with HardwareFault when a line cannot be set up, and leaves no line exported behind it', async () => {
    const { sim, gpio } = await open(PI5_CHIPS, 'pinctrl-rp1');
    // The pin controller refuses to make door-lock an output.
    await sim.failWrites(RP1_BASE + 22, 'direction');
    await expect(gpio.start()).rejects.toMatchObject({ code: ErrorCode.HardwareFault, context: { line: 'door-lock', sysfsNumber: RP1_BASE + 22 } });
    expect(await sim.log()).toContain(`failed direction ${RP1_BASE + 22}`);
    for (const line of Object.values(KIOSK_LINES)) expect(sim.exported(RP1_BASE + line.line)).toBe(false);
    expect(gpio.health().state).toBe('stopped');
  });

  it('fails with GpioLineNotFound, naming the labels that exist, when the chip label is wrong', async () => {
    const { sim, gpio } = await open(PI5_CHIPS, 'pinctrl-bcm2711');
    await expect(gpio.start()).rejects.toMatchObject({
      code: ErrorCode.GpioLineNotFound,
      context: { available: PI5_CHIPS.map((chip) => chip.label) },
    });
    expect(await sim.log()).toEqual([]);
  });
});
