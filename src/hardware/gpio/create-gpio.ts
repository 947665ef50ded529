import type { Clock } from '../../ops/clock.js';
import type { GpioConfig } from '../../ops/config/gpio-config.js';
import type { Logger } from '../../ops/logger.js';
import type { Gpio } from './gpio.js';
import { OnoffGpio } from './onoff-gpio.js';
import { SimulatedGpio } from './simulated-gpio.js';

export interface CreatedGpio {
  device: Gpio;
  /** The simulated pins' control (setInput/setInputLevel, outputs, outputLevel); only for kind "simulated". */
  simulator?: SimulatedGpio;
}

/**
 * GPIO per device-config. The simulated kind is the pins themselves: a GPIO
 * "wire protocol" is electrical levels, which SimulatedGpio models directly
 * (levels, active-low, debounce), so device and simulator are one object here.
 */
export function createGpio(config: GpioConfig, { clock, logger }: { clock: Clock; logger: Logger }): CreatedGpio {
  switch (config.kind) {
    case 'simulated': {
      const simulated = new SimulatedGpio(config, clock);
      return { device: simulated, simulator: simulated };
    }
    case 'sysfs':
      return { device: new OnoffGpio({ config, clock, logger: logger.child({ device: 'gpio' }) }) };
  }
}
