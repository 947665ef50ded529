import type {
  ChamberReferenceView,
  ConsoleDeviceFacade,
  GpioPulseView,
  GpioView,
  ImageFileView,
  ModelInfoView,
  ScaleCalibrationView,
  ScaleReadingView,
  ScaleStatusView,
  ScannerTest,
  ScanView,
} from '../console/device-facade.js';
import type { DepositFlow } from '../deposit/deposit-flow.js';
import type { Devices } from '../hardware/create-devices.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { SettingsStore } from '../store/settings-store.js';
import type { Classifier } from '../vision/classifier.js';
import { CameraConsole } from './console-devices/camera-console.js';
import { GpioConsole } from './console-devices/gpio-console.js';
import { ModelInfo } from './console-devices/model-info.js';
import { ScaleConsole } from './console-devices/scale-console.js';
import { startScannerTest } from './console-devices/scanner-test.js';

export interface ConsoleDeviceParts {
  config: DeviceConfig;
  clock: Clock;
  devices: Devices;
  classifier: Classifier;
  flow: DepositFlow;
  settings: SettingsStore;
  logger: Logger;
}

/** The console's device commands over the wired kiosk (src/console/device-facade.ts); one helper per device. */
export class KioskConsoleDeviceFacade implements ConsoleDeviceFacade {
  private readonly scaleConsole: ScaleConsole;
  private readonly cameraConsole: CameraConsole;
  private readonly gpioConsole: GpioConsole;
  private readonly model: ModelInfo;
  private readonly logger: Logger;

  constructor(private readonly parts: ConsoleDeviceParts) {
    const { config, clock, devices, classifier, flow, settings } = parts;
    const logger = parts.logger.child({ component: 'console.devices' });
    this.logger = logger;
    this.scaleConsole = new ScaleConsole({ scale: devices.scale, flow, settings, clock, logger });
    this.cameraConsole = new CameraConsole({ config, camera: devices.camera, scale: devices.scale, gpio: devices.gpio, classifier, flow, settings, clock, logger });
    this.gpioConsole = new GpioConsole({ config, gpio: devices.gpio, flow, logger });
    this.model = new ModelInfo({ config, classifier, flow, clock });
  }

  scale(): ScaleStatusView {
    return this.scaleConsole.status();
  }

  scaleRead(options: { timeoutMs: number; signal: AbortSignal }): Promise<ScaleReadingView> {
    return this.scaleConsole.read(options);
  }

  scaleTare(): Promise<ScaleStatusView> {
    return this.scaleConsole.tareNow();
  }

  scaleZero(): Promise<ScaleStatusView> {
    return this.scaleConsole.zeroNow();
  }

  scaleCalibrate(knownGrams: number): Promise<ScaleCalibrationView> {
    return this.scaleConsole.calibrate(knownGrams);
  }

  testScanner(onScan: (scan: ScanView) => void): ScannerTest {
    return startScannerTest({ scanner: this.parts.devices.scanner, flow: this.parts.flow, logger: this.logger }, onScan);
  }

  cameraSnapshot(options: { out?: string | undefined }): Promise<ImageFileView> {
    return this.cameraConsole.snapshot(options.out);
  }

  cameraReference(): Promise<ChamberReferenceView> {
    return this.cameraConsole.reference();
  }

  gpio(): GpioView {
    return this.gpioConsole.read();
  }

  pulseLock(ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    return this.gpioConsole.pulseLock(ms, signal);
  }

  moveDiverter(bin: string, ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    return this.gpioConsole.moveDiverter(bin, ms, signal);
  }

  lampTest(ms: number, signal: AbortSignal): Promise<GpioPulseView> {
    return this.gpioConsole.lampTest(ms, signal);
  }

  modelInfo(): Promise<ModelInfoView> {
    return this.model.info();
  }
}
