import { setTimeout as delay } from 'node:timers/promises';
import type { GpioLineView, GpioPulseView, GpioView } from '../../console/device-facade.js';
import type { DepositFlow, DepositState } from '../../deposit/deposit-flow.js';
import type { Gpio } from '../../hardware/gpio/gpio.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { requireIdleFlow, requireNoDeposit } from './deposit-guard.js';

export interface GpioConsoleParts {
  config: DeviceConfig;
  gpio: Gpio;
  flow: Pick<DepositFlow, 'state' | 'on' | 'off'>;
  logger: Logger;
}

/**
 * `gpio`: read every line, pulse the door lock, move a diverter, test the lamps.
 *
 * An actuator command runs only while the deposit flow is idle, and stops at
 * once when a deposit starts meanwhile (an item lands): it then gives its lines
 * back (diverters and lamps off) except the door lock, which the flow has just
 * locked itself and now owns; the command fails with [E510].
 */
export class GpioConsole {
  constructor(private readonly parts: GpioConsoleParts) {}

  read(): GpioView {
    const { config, gpio, flow } = this.parts;
    const roles = lineRoles(config);
    const inputs: GpioLineView[] = [];
    const outputs: GpioLineView[] = [];
    for (const [name, line] of Object.entries(config.hardware.gpio.lines)) {
      const view = { name, line: line.line, value: gpio.read(name), role: roles.get(name) ?? null };
      (line.direction === 'in' ? inputs : outputs).push(view);
    }
    return { inputs, outputs, depositState: flow.state };
  }

  pulseLock(ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    const lock = this.parts.config.deposit.doorLock;
    return this.actuate('pulse the door lock', [lock], ms, signal, async (step) => {
      await this.pulse(lock, ms, step);
    });
  }

  /**
   * The backend's door.unlock: the lock output unlocked (logical false;
   * deposit.doorLock true = locked) for `ms`, then back to what it was. Also
   * while intake is paused (the door is locked then) or the kiosk is out of
   * service, never during a deposit; a deposit or any other change of the
   * flow's state meanwhile ends it at once and leaves the lock to the flow.
   */
  unlockDoor(ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    const lock = this.parts.config.deposit.doorLock;
    return this.actuate(
      'unlock the door',
      [lock],
      ms,
      signal,
      async (step) => {
        await this.parts.gpio.write(lock, false);
        await delay(ms, undefined, { signal: step });
      },
      requireNoDeposit,
    );
  }

  moveDiverter(bin: string, ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    const { bins } = this.parts.config;
    const diverter = Object.hasOwn(bins, bin) ? bins[bin]?.diverter : undefined;
    if (diverter === undefined) {
      throw new KioskError(ErrorCode.ConsoleUsage, `unknown bin "${bin}"; bins: ${Object.keys(bins).join(', ')}`, { bin });
    }
    return this.actuate(`move the ${bin} diverter`, [diverter], ms, signal, async (step) => {
      await this.pulse(diverter, ms, step);
    });
  }

  lampTest(ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    const lamps = [this.parts.config.deposit.rejectLamp];
    return this.actuate('test the lamps', lamps, ms, signal, async (step) => {
      for (const lamp of lamps) await this.pulse(lamp, ms, step);
    });
  }

  private async pulse(line: string, ms: number, step: AbortSignal): Promise<void> {
    await this.parts.gpio.write(line, true);
    await delay(ms, undefined, { signal: step });
    await this.parts.gpio.write(line, false);
  }

  private async actuate(
    action: string,
    lines: string[],
    ms: number,
    signal: AbortSignal,
    run: (step: AbortSignal) => Promise<void>,
    guard: (flow: Pick<DepositFlow, 'state'>, action: string) => void = requireIdleFlow,
  ): Promise<GpioPulseView> {
    const { gpio, flow, logger, config } = this.parts;
    guard(flow, action);
    const startState = flow.state;
    const before = new Map(lines.map((line) => [line, gpio.read(line)]));
    const step = new AbortController();
    const onState = (state: DepositState): void => {
      if (state === startState) return;
      const why = startState === 'idle' ? `a deposit started (${state})` : `the deposit flow changed from ${startState} to ${state}`;
      step.abort(new KioskError(ErrorCode.ConsoleDepositInProgress, `stopped: ${why} while the console could ${action}`, { action }));
    };
    const onCancel = (): void => step.abort(signal.reason);
    flow.on('state', onState);
    signal.addEventListener('abort', onCancel, { once: true });
    logger.info({ action, lines, ms }, 'console actuator test');
    try {
      if (signal.aborted) throw signal.reason;
      await run(step.signal);
    } catch (error) {
      // An abort of the wait surfaces as AbortError; the reason says why (deposit started or Ctrl-C).
      throw step.signal.aborted ? step.signal.reason : error;
    } finally {
      flow.off('state', onState);
      signal.removeEventListener('abort', onCancel);
      // The flow moved on (a deposit started, intake resumed): it has set the door lock itself and owns it now.
      const flowMoved = flow.state !== startState;
      for (const [line, value] of before) {
        if (flowMoved && line === config.deposit.doorLock) continue;
        await gpio.write(line, value).catch((error: unknown) => logger.error({ err: error, line }, 'cannot restore a gpio line after a console test'));
      }
    }
    return { lines, ms };
  }
}

/** What each line is for, from device-config, so `gpio` says more than a name. */
function lineRoles(config: DeviceConfig): Map<string, string> {
  const roles = new Map<string, string>([
    [config.deposit.itemSensor, 'item sensor'],
    [config.deposit.doorLock, 'door lock'],
    [config.deposit.rejectLamp, 'reject lamp'],
  ]);
  for (const [bin, { diverter }] of Object.entries(config.bins)) roles.set(diverter, `diverter of bin ${bin}`);
  return roles;
}
