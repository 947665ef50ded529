import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ChamberReferenceView, ImageFileView } from '../../console/device-facade.js';
import type { DepositFlow } from '../../deposit/deposit-flow.js';
import type { Camera } from '../../hardware/camera/camera.js';
import type { Gpio } from '../../hardware/gpio/gpio.js';
import type { Scale } from '../../hardware/scale/scale.js';
import type { Clock } from '../../ops/clock.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import type { SettingsStore } from '../../store/settings-store.js';
import type { Classifier } from '../../vision/classifier.js';
import { OnnxClassifier } from '../../vision/onnx-classifier.js';
import { requireIdleFlow } from './deposit-guard.js';
import { writeImageFile } from './image-file.js';

/** Settings key (docs/storage.md): absolute path of the empty-chamber reference JPEG `camera reference` wrote last. */
export const SETTING_CHAMBER_REFERENCE_PATH = 'camera.empty_reference_path';

/** Where `camera reference` writes when device-config names no classifier.emptyReference.path. */
export const DEFAULT_REFERENCE_FILE = 'empty-chamber.jpg';

export interface CameraConsoleParts {
  config: DeviceConfig;
  camera: Camera;
  scale: Scale;
  gpio: Gpio;
  classifier: Classifier;
  flow: Pick<DepositFlow, 'state'>;
  settings: SettingsStore;
  clock: Clock;
  logger: Logger;
}

/** `camera snapshot` and `camera reference`: fresh frames saved beside the database, described with sharp. */
export class CameraConsole {
  constructor(private readonly parts: CameraConsoleParts) {}

  /** The directory that holds the database: the kiosk's data directory. */
  get dataDir(): string {
    return dirname(resolve(this.parts.config.store.path));
  }

  async snapshot(out: string | undefined): Promise<ImageFileView> {
    const path = out === undefined ? join(this.dataDir, 'snapshots', `snapshot-${fileStamp(this.parts.clock.wallNow())}.jpg`) : this.inDataDir(out);
    const frame = await this.parts.camera.grab();
    const written = await writeImageFile(path, frame.jpeg, { createDirectory: out === undefined });
    this.parts.logger.info({ path, bytes: written.bytes }, 'camera snapshot saved');
    return written;
  }

  async reference(): Promise<ChamberReferenceView> {
    const { flow, classifier, settings, logger } = this.parts;
    // The chamber first: with an item in it the flow is busy too, and "empty the chamber" is the useful answer.
    this.requireEmptyChamber();
    requireIdleFlow(flow, 'store the empty-chamber reference');
    const frame = await this.parts.camera.grab();
    // The chamber may have been loaded while the frame was on its way.
    this.requireEmptyChamber();
    const path = this.referencePath();
    const written = await writeImageFile(path, frame.jpeg, { createDirectory: true });
    settings.set(SETTING_CHAMBER_REFERENCE_PATH, path);
    const use = await this.useReference();
    logger.info({ path, bytes: written.bytes, inUse: use.inUse }, 'empty-chamber reference stored');
    return { ...written, classifier: classifier.model, ...use, persistedAs: SETTING_CHAMBER_REFERENCE_PATH };
  }

  /** The configured reference path (the one the ONNX classifier reads), else the data directory. */
  referencePath(): string {
    const { classifier } = this.parts.config;
    return classifier.kind === 'onnx' && classifier.emptyReference ? resolve(classifier.emptyReference.path) : join(this.dataDir, DEFAULT_REFERENCE_FILE);
  }

  private async useReference(): Promise<{ inUse: boolean; note: string }> {
    const { classifier } = this.parts;
    const config = this.parts.config.classifier;
    if (!(classifier instanceof OnnxClassifier)) {
      return { inUse: false, note: 'stored; the scenario classifier reads the simulated frame tags and does not use a reference' };
    }
    if (config.kind !== 'onnx' || !config.emptyReference) {
      return {
        inUse: false,
        note: 'stored; the classifier uses it once classifier.emptyReference.path in device-config names this file (then restart)',
      };
    }
    try {
      const inUse = await classifier.reloadReference();
      return { inUse, note: inUse ? 'the running classifier now compares frames with it' : 'stored, but the classifier found no file to read' };
    } catch (error) {
      // Stored all the same: a classifier that starts later (or after a restart) reads it.
      return { inUse: false, note: `stored, but not in use: ${(error as Error).message}` };
    }
  }

  private requireEmptyChamber(): void {
    const { scale, gpio, config } = this.parts;
    const { minItemGrams, itemSensor } = config.deposit;
    if (gpio.read(itemSensor)) {
      throw new KioskError(ErrorCode.ConsoleChamberNotEmpty, `the item sensor (${itemSensor}) sees an item; empty the chamber first`, { itemSensor });
    }
    const reading = scale.latest();
    if (reading === undefined) {
      throw new KioskError(ErrorCode.ConsoleChamberNotEmpty, 'the scale gives no reading, so the chamber cannot be confirmed empty', {
        range: scale.diagnostics().range,
      });
    }
    if (reading.grams > minItemGrams) {
      throw new KioskError(ErrorCode.ConsoleChamberNotEmpty, `the scale shows ${reading.grams} g (more than ${minItemGrams} g); empty the chamber first`, {
        grams: reading.grams,
        minItemGrams,
      });
    }
  }

  /** A relative --out is taken under the data directory, never the process's working directory. */
  private inDataDir(out: string): string {
    return isAbsolute(out) ? out : resolve(this.dataDir, out);
  }
}

/** 2025-01-31T12-00-00-123Z: sortable, and legal in every file system. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
