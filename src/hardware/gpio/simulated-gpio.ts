import { EventEmitter } from 'node:events';
import type { Clock } from '../../ops/clock.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { GpioConfig } from '../../ops/config/schema.js';
import type { DeviceHealth } from '../device.js';
import type { Gpio, GpioEvents } from './gpio.js';

export interface OutputChange {
  line: string;
  value: boolean;
}

/** GPIO lines held in memory; inputs are driven by the scenario, outputs are observable. */
export class SimulatedGpio extends EventEmitter<GpioEvents> implements Gpio {
  /** Fires on every output write, so a scenario (or test) can react to actuators. */
  readonly outputs = new EventEmitter<{ change: [change: OutputChange] }>();
  private readonly values = new Map<string, boolean>();
  private running = false;

  constructor(
    private readonly config: GpioConfig,
    private readonly clock: Clock,
  ) {
    super();
    for (const name of Object.keys(config.lines)) this.values.set(name, false);
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { state: this.running ? 'running' : 'stopped' };
  }

  read(line: string): boolean {
    this.lineConfig(line);
    return this.values.get(line) ?? false;
  }

  async write(line: string, value: boolean): Promise<void> {
    if (this.lineConfig(line).direction !== 'out') {
      throw new KioskError(ErrorCode.HardwareFault, `GPIO line "${line}" is an input`, { line });
    }
    this.values.set(line, value);
    this.outputs.emit('change', { line, value });
  }

  /** Simulation control: the world changes an input line. */
  setInput(line: string, value: boolean): void {
    if (this.lineConfig(line).direction !== 'in') throw new Error(`GPIO line "${line}" is not an input`);
    if (this.values.get(line) === value) return;
    this.values.set(line, value);
    if (this.running) this.emit('edge', { line, value, uptimeMs: this.clock.uptimeMs() });
  }

  private lineConfig(line: string): GpioConfig['lines'][string] {
    const config = this.config.lines[line];
    if (!config) throw new KioskError(ErrorCode.HardwareFault, `unknown GPIO line "${line}"`, { line });
    return config;
  }
}
