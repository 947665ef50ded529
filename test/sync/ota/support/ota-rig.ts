/**
 * The parts of a kiosk an over-the-air update touches, wired as
 * src/app/kiosk.ts wires them, on real files: the SQLite outbox, the OTA
 * model store beside it, the ONNX classifier starting from the store's
 * candidates, and the updater. Used in-process by the tests and by the
 * child process the crash tests kill.
 */
import type { Database } from 'better-sqlite3';
import { createSystemClock } from '../../../../src/ops/clock.js';
import { createSilentLogger, type Logger } from '../../../../src/ops/logger.js';
import type { KioskEvent } from '../../../../src/protocol/events.js';
import { ModelUpdater, type ModelUpdaterOptions } from '../../../../src/sync/ota/model-updater.js';
import { openDatabase } from '../../../../src/store/database.js';
import { SqliteEventStore } from '../../../../src/store/sqlite-event-store.js';
import { otaModelsRoot } from '../../../../src/vision/model-store/layout.js';
import { ModelStore } from '../../../../src/vision/model-store/model-store.js';
import { OnnxClassifier } from '../../../../src/vision/onnx-classifier.js';

/** Download chunk of the rig: small, so even test models take several. */
export const RIG_CHUNK_BYTES = 16 * 1024;

export interface RigOptions {
  /** The database file; OTA models go to <its directory>/models. */
  databaseFile: string;
  /** classifier.modelDir: the factory model. */
  factoryDir: string;
  emptyReference?: string;
  logger?: Logger;
  updater?: Partial<Omit<ModelUpdaterOptions, 'store' | 'classifier' | 'events' | 'logger'>>;
}

export class OtaRig {
  readonly db: Database;
  readonly events: SqliteEventStore;
  readonly store: ModelStore;
  readonly classifier: OnnxClassifier;
  readonly updater: ModelUpdater;

  constructor(options: RigOptions) {
    const logger = options.logger ?? createSilentLogger();
    this.db = openDatabase(options.databaseFile, logger);
    this.events = new SqliteEventStore(this.db, 'kiosk-ota-test', createSystemClock(), logger);
    this.store = new ModelStore({ root: otaModelsRoot(options.databaseFile), factoryDir: options.factoryDir, logger });
    this.classifier = new OnnxClassifier({
      modelDir: options.factoryDir,
      logger,
      source: this.store,
      ...(options.emptyReference === undefined ? {} : { emptyReference: { path: options.emptyReference, maxDifference: 0.1 } }),
    });
    this.updater = new ModelUpdater({
      store: this.store,
      classifier: this.classifier,
      events: this.events,
      logger,
      download: { chunkBytes: RIG_CHUNK_BYTES, idleTimeoutMs: 5000, attempts: 4, backoff: { initialMs: 10, maxMs: 40 } },
      random: () => 0,
      ...options.updater,
    });
  }

  /** As the kiosk starts them: the classifier with the other devices, the updater after. */
  async start(): Promise<this> {
    await this.classifier.start();
    this.updater.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.updater.stop();
    await this.classifier.stop();
    this.events.close();
  }

  /** Every event in the outbox, oldest first. */
  outbox(): KioskEvent[] {
    return this.events.pending(0, 10_000, 64 * 1024 * 1024).map((entry) => JSON.parse(entry.body) as KioskEvent);
  }

  otaEvents(): KioskEvent[] {
    return this.outbox().filter((event) => event.type === 'model.updated' || event.type === 'model.update-failed');
  }
}
