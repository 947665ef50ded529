import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Edge } from '../../../src/hardware/gpio/gpio.js';
import { SimulatedGpio, type OutputChange } from '../../../src/hardware/gpio/simulated-gpio.js';
import type { Clock } from '../../../src/ops/clock.js';
import { createSystemClock } from '../../../src/ops/clock.js';
import { GpioConfig } from '../../../src/ops/config/gpio-config.js';
import { describeGpioContract } from './gpio-contract.js';

describeGpioContract('SimulatedGpio', async (lines) => {
  const config = GpioConfig.parse({
    kind: 'simulated',
    lines: { 'probe-in': { direction: 'in', line: 17, ...lines.input }, 'probe-out': { direction: 'out', line: 22, ...lines.output } },
  });
  const gpio = new SimulatedGpio(config, createSystemClock());
  return {
    gpio,
    setLevel: async (level) => gpio.setInputLevel('probe-in', level),
    level: async () => gpio.outputLevel('probe-out'),
    dispose: async () => undefined,
  };
});

describe('SimulatedGpio as a simulator', () => {
  const config = GpioConfig.parse({
    kind: 'simulated',
    lines: {
      'light-barrier': { direction: 'in', line: 17, activeLow: true, debounceMs: 20 },
      'item-present': { direction: 'in', line: 27 },
      'door-lock': { direction: 'out', line: 22, activeLow: true },
    },
  });
  // A clock on the faked Date, so debounce time and edge time are the same fake time.
  const clock: Clock = { bootId: 'test', wallNow: () => new Date(), uptimeMs: () => Date.now() };
  let gpio: SimulatedGpio;
  let edges: Edge[];

  beforeEach(async () => {
    vi.useFakeTimers({ now: 1000 });
    gpio = new SimulatedGpio(config, clock);
    edges = [];
    gpio.on('edge', (edge) => edges.push(edge));
    await gpio.start();
  });
  afterEach(async () => {
    await gpio.stop();
    vi.useRealTimers();
  });

  it('reports a change only once it has held for debounceMs, stamped with the clock', () => {
    gpio.setInputLevel('light-barrier', false);
    vi.advanceTimersByTime(19);
    expect(edges).toEqual([]);
    expect(gpio.read('light-barrier')).toBe(false);
    vi.advanceTimersByTime(1);
    expect(edges).toEqual([{ line: 'light-barrier', value: true, uptimeMs: 1020 }]);
    expect(gpio.read('light-barrier')).toBe(true);
  });

  it('restarts the debounce time on every bounce', () => {
    gpio.setInputLevel('light-barrier', false);
    vi.advanceTimersByTime(15);
    gpio.setInputLevel('light-barrier', true);
    vi.advanceTimersByTime(15);
    gpio.setInputLevel('light-barrier', false);
    vi.advanceTimersByTime(19);
    expect(edges).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(edges).toEqual([{ line: 'light-barrier', value: true, uptimeMs: 1050 }]);
  });

  it('takes logical values in setInput (what the scenario player uses), reporting at once without debounce', () => {
    gpio.setInput('item-present', true);
    expect(edges).toEqual([{ line: 'item-present', value: true, uptimeMs: 1000 }]);
    gpio.setInput('light-barrier', true);
    vi.advanceTimersByTime(20);
    expect(edges.at(-1)).toMatchObject({ line: 'light-barrier', value: true });
    expect(() => gpio.setInput('door-lock', true)).toThrow(/not an input/);
  });

  it('makes outputs observable as logical changes and as pin levels', async () => {
    const changes: OutputChange[] = [];
    gpio.outputs.on('change', (change) => changes.push(change));
    expect(gpio.outputLevel('door-lock')).toBe(true);
    await gpio.write('door-lock', true);
    expect(changes).toEqual([{ line: 'door-lock', value: true }]);
    expect(gpio.outputLevel('door-lock')).toBe(false);
  });

  it('reports nothing while stopped, and starts from the level the world left', async () => {
    await gpio.stop();
    gpio.setInputLevel('light-barrier', false);
    vi.advanceTimersByTime(100);
    expect(edges).toEqual([]);
    await gpio.start();
    expect(gpio.read('light-barrier')).toBe(true);
    expect(edges).toEqual([]);
  });

  it('drops a pending debounce at stop', async () => {
    gpio.setInputLevel('light-barrier', false);
    await gpio.stop();
    vi.advanceTimersByTime(100);
    expect(edges).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
