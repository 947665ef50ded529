import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { BarcodeScanner } from './barcode/barcode-scanner.js';
import { SimulatedBarcodeScanner } from './barcode/simulated-barcode-scanner.js';
import type { Camera } from './camera/camera.js';
import { SimulatedCamera } from './camera/simulated-camera.js';
import type { Gpio } from './gpio/gpio.js';
import { SimulatedGpio } from './gpio/simulated-gpio.js';
import type { Scale } from './scale/scale.js';
import { SimulatedScale } from './scale/simulated-scale.js';
import { ScenarioPlayer, type SimulatedWorld } from './simulation/scenario-player.js';
import { loadScenario } from './simulation/scenario.js';

export interface Devices {
  scale: Scale;
  scanner: BarcodeScanner;
  camera: Camera;
  gpio: Gpio;
  /** Present when the config runs on simulated devices with a scenario. */
  scenario?: ScenarioPlayer;
}

function unsupported(device: string, kind: string): never {
  throw new KioskError(ErrorCode.HardwareUnsupported, `${device} kind "${kind}" has no driver in this build`, { device, kind });
}

/** Builds the device set device-config asks for: each device is either its real driver or its simulator. */
export function createDevices(config: DeviceConfig, clock: Clock, logger: Logger): Devices {
  const { hardware } = config;
  const scale = hardware.scale.kind === 'simulated' ? new SimulatedScale(hardware.scale, clock) : unsupported('scale', hardware.scale.kind);
  const scanner = hardware.barcode.kind === 'simulated' ? new SimulatedBarcodeScanner(clock) : unsupported('barcode', hardware.barcode.kind);
  const camera = hardware.camera.kind === 'simulated' ? new SimulatedCamera(clock) : unsupported('camera', hardware.camera.kind);
  const gpio = hardware.gpio.kind === 'simulated' ? new SimulatedGpio(hardware.gpio, clock) : unsupported('gpio', hardware.gpio.kind);

  const devices: Devices = { scale, scanner, camera, gpio };
  if (config.simulation) {
    const world: SimulatedWorld = { scale, scanner, camera, gpio };
    devices.scenario = new ScenarioPlayer(
      loadScenario(config.simulation.scenario),
      world,
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
