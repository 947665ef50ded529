import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { BarcodeScanner } from './barcode/barcode-scanner.js';
import { createBarcodeScanner } from './barcode/create-barcode.js';
import type { Camera } from './camera/camera.js';
import { createCamera } from './camera/create-camera.js';
import { createGpio } from './gpio/create-gpio.js';
import type { Gpio } from './gpio/gpio.js';
import { createScale } from './scale/create-scale.js';
import type { Scale } from './scale/scale.js';
import type { SimulatedWorld } from './simulation/controls.js';
import { ScenarioPlayer } from './simulation/scenario-player.js';
import { loadScenario } from './simulation/scenario.js';

/** Something that must run beside the devices (a protocol simulator) and outlive them. */
export interface Companion {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Devices {
  scale: Scale;
  scanner: BarcodeScanner;
  camera: Camera;
  gpio: Gpio;
  /** Simulators to start before the devices and stop after them. */
  companions: Companion[];
  /** The simulated world's controls, when every device is simulated. */
  world?: SimulatedWorld;
  /** Plays simulation.scenario against the world, when the config names one. */
  scenario?: ScenarioPlayer;
}

/**
 * Builds the device set device-config asks for. Each device is its real
 * driver; a "simulated" device is that same driver talking its wire protocol
 * to a simulator (over an in-memory link, a FIFO or a child process).
 */
export function createDevices(config: DeviceConfig, clock: Clock, logger: Logger): Devices {
  const { hardware } = config;
  const deps = { clock, logger };
  const scale = createScale(hardware.scale, deps);
  const scanner = createBarcodeScanner(hardware.barcode, deps);
  const camera = createCamera(hardware.camera, deps);
  const gpio = createGpio(hardware.gpio, deps);

  const devices: Devices = {
    scale: scale.device,
    scanner: scanner.device,
    camera: camera.device,
    gpio: gpio.device,
    // The scale driver runs its own simulator; the camera's is its child process.
    companions: scanner.simulator ? [scanner.simulator] : [],
  };
  if (scale.simulator && scanner.simulator && camera.simulator && gpio.simulator) {
    devices.world = { scale: scale.simulator, scanner: scanner.simulator, camera: camera.simulator, gpio: gpio.simulator };
  }
  if (config.simulation && devices.world) {
    const scenario = loadScenario(config.simulation.scenario);
    if (scenario.missingImages.length > 0) {
      logger.warn({ missing: scenario.missingImages }, 'scenario images not found; those items show the placeholder frame');
    }
    devices.scenario = new ScenarioPlayer(
      scenario,
      devices.world,
      {
        itemSensor: config.deposit.itemSensor,
        doorLock: config.deposit.doorLock,
        diverters: new Set(Object.values(config.bins).map((bin) => bin.diverter)),
      },
      logger.child({ component: 'scenario' }),
    );
  }
  return devices;
}
