/**
 * The GPIO contract (src/hardware/gpio/gpio.ts), one suite for both twins:
 * run against SimulatedGpio, against OnoffGpio over the sysfs GPIO simulator
 * (a FUSE /sys/class/gpio), and against OnoffGpio on a board when
 * KIOSK_TEST_GPIO_CHIP names a chip (see onoff-gpio.test.ts).
 *
 * Every test uses two lines: `probe-in` (an input) and `probe-out` (an
 * output). A harness says how to set the electrical level at probe-in and
 * how to see the level probe-out drives: on the simulator through its control
 * methods, on a board through a jumper wire from probe-out to probe-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Edge, Gpio } from '../../../src/hardware/gpio/gpio.js';
import { ErrorCode } from '../../../src/ops/errors.js';
import { waitFor } from '../../support/wait-for.js';

export interface ProbeLines {
  input: { activeLow: boolean; debounceMs: number };
  output: { activeLow: boolean };
}

export interface GpioHarness {
  /** Not started yet: each test starts it. */
  gpio: Gpio;
  /** Sets the electrical level at `probe-in` (true = high). Needs a started gpio on a board. */
  setLevel(level: boolean): Promise<void>;
  /** The electrical level at `probe-out`, as far as the harness can see it now. */
  level(): Promise<boolean>;
  dispose(): Promise<void>;
}

export type GpioHarnessFactory = (lines: ProbeLines) => Promise<GpioHarness>;

const IN = 'probe-in';
const OUT = 'probe-out';
const plain: ProbeLines = { input: { activeLow: false, debounceMs: 0 }, output: { activeLow: false } };

/** `skip`: why the suite cannot run here; it is then registered as skipped under a title that says so. */
export function describeGpioContract(name: string, factory: GpioHarnessFactory, options: { debounceMs?: number; skip?: string } = {}): void {
  const debounceMs = options.debounceMs ?? 30;
  const title = options.skip ? `Gpio contract: ${name} (skipped: ${options.skip})` : `Gpio contract: ${name}`;

  describe.skipIf(options.skip !== undefined)(title, () => {
    let harness: GpioHarness | undefined;
    let edges: Edge[];

    afterEach(async () => {
      await harness?.gpio.stop();
      await harness?.dispose();
      harness = undefined;
    });

    async function started(lines: ProbeLines): Promise<GpioHarness> {
      harness = await factory(lines);
      edges = [];
      harness.gpio.on('edge', (edge) => edges.push(edge));
      await harness.gpio.start();
      return harness;
    }

    async function levelIs(h: GpioHarness, level: boolean): Promise<void> {
      await waitFor(async () => (await h.level()) === level, { timeoutMs: 5000, description: `probe-out level ${level}` });
    }

    async function settle(h: GpioHarness, level: boolean, value: boolean): Promise<void> {
      await h.setLevel(level);
      await waitFor(() => h.gpio.read(IN) === value, { timeoutMs: 5000, description: `probe-in reads ${value}` });
    }

    it('starts and stops, reporting its state', async () => {
      const h = await started(plain);
      expect(h.gpio.health().state).toBe('running');
      await h.gpio.stop();
      expect(h.gpio.health().state).toBe('stopped');
    });

    it('reports an active-high input change as an edge with the logical value, and read() agrees', async () => {
      const h = await started(plain);
      await settle(h, false, false);
      edges.length = 0;
      await h.setLevel(true);
      await waitFor(() => edges.length === 1, { timeoutMs: 5000, description: 'rising edge' });
      expect(edges[0]).toMatchObject({ line: IN, value: true });
      expect(h.gpio.read(IN)).toBe(true);
      await h.setLevel(false);
      await waitFor(() => edges.length === 2, { timeoutMs: 5000, description: 'falling edge' });
      expect(edges[1]).toMatchObject({ line: IN, value: false });
      expect(h.gpio.read(IN)).toBe(false);
    });

    it('applies active-low between the pin level and the logical value of an input', async () => {
      const h = await started({ ...plain, input: { activeLow: true, debounceMs: 0 } });
      await settle(h, true, false);
      edges.length = 0;
      await h.setLevel(false);
      await waitFor(() => edges.length === 1, { timeoutMs: 5000, description: 'edge on a low level' });
      expect(edges[0]).toMatchObject({ line: IN, value: true });
      expect(h.gpio.read(IN)).toBe(true);
    });

    it('reports a debounced input once, after a bounce, and nothing for a bounce back to the old level', async () => {
      const h = await started({ ...plain, input: { activeLow: false, debounceMs } });
      await settle(h, false, false);
      edges.length = 0;
      // Contact bounce: all three changes land well inside the debounce time.
      await h.setLevel(true);
      await h.setLevel(false);
      await h.setLevel(true);
      await waitFor(() => edges.length > 0, { timeoutMs: 5000, description: 'debounced rising edge' });
      // A glitch that returns to the settled level is no change at all...
      await h.setLevel(false);
      await h.setLevel(true);
      // ...so the next edge seen is the real fall that follows it.
      await h.setLevel(false);
      await waitFor(() => edges.length > 1, { timeoutMs: 5000, description: 'debounced falling edge' });
      expect(edges.map((edge) => edge.value)).toEqual([true, false]);
    });

    it('starts outputs inactive and drives the pin level through active-low', async () => {
      const h = await started({ ...plain, output: { activeLow: true } });
      expect(h.gpio.read(OUT)).toBe(false);
      await levelIs(h, true);
      await h.gpio.write(OUT, true);
      expect(h.gpio.read(OUT)).toBe(true);
      await levelIs(h, false);
      await h.gpio.write(OUT, false);
      await levelIs(h, true);
    });

    it('drives an active-high output high for true', async () => {
      const h = await started(plain);
      await levelIs(h, false);
      await h.gpio.write(OUT, true);
      await levelIs(h, true);
    });

    it('refuses a write to an input, an unknown line, and use before start, with HardwareFault', async () => {
      harness = await factory(plain);
      const { gpio } = harness;
      expect(() => gpio.read(OUT)).toThrow(expect.objectContaining({ code: ErrorCode.HardwareFault }));
      await expect(gpio.write(OUT, true)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
      await gpio.start();
      await expect(gpio.write(IN, true)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
      await expect(gpio.write('no-such-line', true)).rejects.toMatchObject({ code: ErrorCode.HardwareFault });
      expect(() => gpio.read('no-such-line')).toThrow(expect.objectContaining({ code: ErrorCode.HardwareFault }));
      await gpio.stop();
      expect(() => gpio.read(IN)).toThrow(expect.objectContaining({ code: ErrorCode.HardwareFault }));
    });
  });
}
