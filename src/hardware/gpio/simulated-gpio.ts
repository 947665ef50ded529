import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import type { GpioConfig, GpioLineConfig } from '../../ops/config/gpio-config.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { DeviceHealth } from '../device.js';
import type { Gpio, GpioEvents } from './gpio.js';

/** A logical output change, as the kiosk wrote it. */
export interface OutputChange {
  line: string;
  value: boolean;
}

interface SimulatedLine {
  config: GpioLineConfig;
  /** Electrical level at the pin: high = true. */
  level: boolean;
  /** Inputs: the debounced logical value; outputs: the logical value last written. */
  value: boolean;
  debounce: NodeJS.Timeout | undefined;
}

/**
 * GPIO pins simulated at the electrical level, keeping the same contract as
 * OnoffGpio (see gpio.ts): the world drives input *levels*, active-low is
 * applied between level and logical value, and an input change is reported
 * only after it held for the line's debounceMs (measured with timers, as
 * onoff does). Outputs are observable both as logical changes and as levels.
 */
export class SimulatedGpio extends EventEmitter<GpioEvents> implements Gpio {
  /** Fires on every output write (logical value), so a scenario (or test) can react to actuators. */
  readonly outputs = new EventEmitter<{ change: [change: OutputChange] }>();
  private readonly lines = new Map<string, SimulatedLine>();
  private running = false;

  constructor(
    config: GpioConfig,
    private readonly clock: Clock,
  ) {
    super();
    for (const [name, lineConfig] of Object.entries(config.lines)) {
      // Everything starts inactive: inputs as if nothing is in front of the sensor, outputs off.
      this.lines.set(name, { config: lineConfig, level: lineConfig.activeLow, value: false, debounce: undefined });
    }
  }

  async start(): Promise<void> {
    for (const line of this.lines.values()) {
      if (line.config.direction === 'out') {
        line.value = false;
        line.level = line.config.activeLow;
      } else {
        line.value = logical(line);
      }
    }
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const line of this.lines.values()) {
      clearTimeout(line.debounce);
      line.debounce = undefined;
    }
  }

  health(): DeviceHealth {
    return { state: this.running ? 'running' : 'stopped' };
  }

  read(name: string): boolean {
    const line = this.line(name);
    this.requireRunning(name);
    return line.value;
  }

  async write(name: string, value: boolean): Promise<void> {
    const line = this.line(name);
    if (line.config.direction !== 'out') {
      throw new KioskError(ErrorCode.HardwareFault, `GPIO line "${name}" is an input`, { line: name });
    }
    this.requireRunning(name);
    line.value = value;
    line.level = value !== line.config.activeLow;
    this.outputs.emit('change', { line: name, value });
  }

  /** Simulation control: an output as the world sees it, whether or not the kiosk is running. */
  outputValue(name: string): boolean {
    const line = this.line(name);
    return line.config.direction === 'out' && line.value;
  }

  /** Simulation control: the world changes an input line to a logical value (active-low applied for you). */
  setInput(name: string, value: boolean): void {
    this.setInputLevel(name, value !== this.line(name).config.activeLow);
  }

  /** Simulation control: the electrical level at an input pin (true = high), bounces included. */
  setInputLevel(name: string, level: boolean): void {
    const line = this.line(name);
    if (line.config.direction !== 'in') throw new Error(`GPIO line "${name}" is not an input`);
    if (line.level === level) return;
    line.level = level;
    if (!this.running) {
      line.value = logical(line);
      return;
    }
    clearTimeout(line.debounce);
    line.debounce = undefined;
    if (line.config.debounceMs === 0) {
      this.settle(name, line);
      return;
    }
    line.debounce = setTimeout(() => {
      line.debounce = undefined;
      this.settle(name, line);
    }, line.config.debounceMs);
  }

  /** Simulation control: the electrical level an output pin drives (true = high). */
  outputLevel(name: string): boolean {
    const line = this.line(name);
    if (line.config.direction !== 'out') throw new Error(`GPIO line "${name}" is not an output`);
    return line.level;
  }

  private settle(name: string, line: SimulatedLine): void {
    const value = logical(line);
    if (value === line.value) return;
    line.value = value;
    this.emit('edge', { line: name, value, uptimeMs: this.clock.uptimeMs() });
  }

  private requireRunning(name: string): void {
    if (!this.running) throw new KioskError(ErrorCode.HardwareFault, `GPIO is not started (line "${name}")`, { line: name });
  }

  private line(name: string): SimulatedLine {
    const line = this.lines.get(name);
    if (!line) throw new KioskError(ErrorCode.HardwareFault, `unknown GPIO line "${name}"`, { line: name });
    return line;
  }
}

function logical(line: SimulatedLine): boolean {
  return line.level !== line.config.activeLow;
}
