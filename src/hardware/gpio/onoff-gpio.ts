/**
 * The real GPIO driver: sysfs GPIO through onoff.
 *
 *   device-config line (chipLabel + offset) ──sysfs-chip──► sysfs number ──onoff──► /sys/class/gpio/gpioN
 *   pin level ──kernel active_low──► logical value ──onoff debounce + epoll──► `edge` events
 *
 * active-low and debounce are onoff's own (`activeLow`, `debounceTimeout`):
 * the kernel inverts the value, and onoff reads the line once it has been
 * quiet for debounceTimeout, so an edge is a level that held that long.
 */
import { EventEmitter } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import type { BinaryValue, Gpio as OnoffLine } from 'onoff';
import type { Clock } from '../../ops/clock.js';
import type { GpioConfig, GpioLineConfig } from '../../ops/config/gpio-config.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { HealthTracker } from '../device-health.js';
import type { DeviceHealth } from '../device.js';
import type { Gpio, GpioEvents } from './gpio.js';
import { resolveSysfsLines, SYSFS_GPIO_ROOT } from './sysfs-chip.js';

type OnoffModule = typeof import('onoff');

export interface OnoffGpioOptions {
  config: GpioConfig;
  clock: Clock;
  logger: Logger;
  /** Where chips are looked up by label; onoff itself always uses /sys/class/gpio. For tests. */
  sysfsRoot?: string;
}

interface OpenLine {
  config: GpioLineConfig;
  handle: OnoffLine;
  /** Inputs: the debounced logical value; outputs: the logical value last written. */
  value: boolean;
}

export class OnoffGpio extends EventEmitter<GpioEvents> implements Gpio {
  // HealthTracker is typed for an emitter of the lifecycle events only; ours emits those and `edge`.
  private readonly tracker = new HealthTracker(this);
  private readonly lines = new Map<string, OpenLine>();
  private running = false;

  constructor(private readonly options: OnoffGpioOptions) {
    super();
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { config, logger } = this.options;
    const offsets = Object.fromEntries(Object.entries(config.lines).map(([name, line]) => [name, line.line]));
    const { chip, numbers } = await resolveSysfsLines(config.chipLabel, offsets, this.options.sysfsRoot ?? SYSFS_GPIO_ROOT);
    const onoff = await loadOnoff();
    if (!onoff.Gpio.accessible) {
      throw new KioskError(
        ErrorCode.HardwareUnsupported,
        `cannot write ${SYSFS_GPIO_ROOT}/export: run the kiosk as a user in the "gpio" group (or as root)`,
        { root: SYSFS_GPIO_ROOT },
      );
    }
    try {
      for (const [name, lineConfig] of Object.entries(config.lines)) {
        this.lines.set(name, this.open(onoff, name, lineConfig, numbers.get(name)!));
      }
    } catch (error) {
      this.release();
      throw error;
    }
    this.running = true;
    this.tracker.running();
    logger.info({ chip: chip.name, label: chip.label, base: chip.base, lines: Object.fromEntries(numbers) }, 'GPIO lines open');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.release();
    this.tracker.stopped();
  }

  health(): DeviceHealth {
    return this.tracker.health();
  }

  read(name: string): boolean {
    return this.openLine(name).value;
  }

  async write(name: string, value: boolean): Promise<void> {
    const line = this.openLine(name);
    if (line.config.direction !== 'out') {
      throw new KioskError(ErrorCode.HardwareFault, `GPIO line "${name}" is an input`, { line: name });
    }
    try {
      await line.handle.write(value ? 1 : 0);
    } catch (error) {
      throw new KioskError(ErrorCode.HardwareFault, `write to GPIO line "${name}" failed: ${String(error)}`, { line: name }, { cause: error });
    }
    line.value = value;
  }

  private open(onoff: OnoffModule, name: string, config: GpioLineConfig, sysfsNumber: number): OpenLine {
    const exportedBefore = existsSync(`${SYSFS_GPIO_ROOT}/gpio${sysfsNumber}`);
    try {
      return this.openExported(onoff, name, config, sysfsNumber);
    } catch (error) {
      // onoff exports before it configures: do not leave a half-set-up line exported behind us.
      if (!exportedBefore) {
        try {
          writeFileSync(`${SYSFS_GPIO_ROOT}/unexport`, String(sysfsNumber));
        } catch {
          // Nothing was exported after all.
        }
      }
      throw new KioskError(ErrorCode.HardwareFault, `cannot open GPIO line "${name}" (sysfs ${sysfsNumber}): ${String(error)}`, { line: name, sysfsNumber }, { cause: error });
    }
  }

  private openExported(onoff: OnoffModule, name: string, config: GpioLineConfig, sysfsNumber: number): OpenLine {
    const { activeLow, debounceMs } = config;
    if (config.direction === 'out') {
      // "high"/"low" set the pin level (raw, before active_low) together with the direction,
      // so an active-low relay is never energised for a moment: outputs start inactive.
      const handle = new onoff.Gpio(sysfsNumber, activeLow ? 'high' : 'low', 'none', { activeLow });
      handle.writeSync(0);
      return { config, handle, value: false };
    }
    const handle = new onoff.Gpio(sysfsNumber, 'in', 'both', { activeLow, debounceTimeout: debounceMs });
    const line: OpenLine = { config, handle, value: handle.readSync() === 1 };
    handle.watch((error, value) => this.onInput(name, line, error, value));
    return line;
  }

  private onInput(name: string, line: OpenLine, error: Error | null | undefined, value: BinaryValue): void {
    if (!this.running || this.lines.get(name) !== line) return;
    if (error) {
      this.options.logger.warn({ line: name, err: error }, 'GPIO input watch failed');
      this.tracker.faulted(new KioskError(ErrorCode.HardwareFault, `GPIO input "${name}" failed: ${error.message}`, { line: name }, { cause: error }));
      return;
    }
    this.tracker.running();
    const logicalValue = value === 1;
    // onoff reports the level after every (debounced) interrupt; only a change is an edge.
    if (logicalValue === line.value) return;
    line.value = logicalValue;
    this.emit('edge', { line: name, value: logicalValue, uptimeMs: this.options.clock.uptimeMs() });
  }

  /** Outputs back to inactive, watches removed, every line unexported; errors logged, never thrown. */
  private release(): void {
    for (const [name, line] of this.lines) {
      try {
        line.handle.unwatchAll();
        if (line.config.direction === 'out') line.handle.writeSync(0);
        line.handle.unexport();
      } catch (error) {
        this.options.logger.warn({ line: name, err: error }, 'GPIO line release failed');
      }
    }
    this.lines.clear();
  }

  private openLine(name: string): OpenLine {
    if (!(name in this.options.config.lines)) {
      throw new KioskError(ErrorCode.HardwareFault, `unknown GPIO line "${name}"`, { line: name });
    }
    const line = this.lines.get(name);
    if (!this.running || !line) throw new KioskError(ErrorCode.HardwareFault, `GPIO is not started (line "${name}")`, { line: name });
    return line;
  }
}

async function loadOnoff(): Promise<OnoffModule> {
  try {
    return await import('onoff');
  } catch (error) {
    throw new KioskError(ErrorCode.HardwareUnsupported, `the onoff GPIO module cannot load on this machine: ${String(error)}`, {}, { cause: error });
  }
}
