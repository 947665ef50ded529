import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { DepositFlow } from '../deposit/deposit-flow.js';
import { DeviceFaultRecorder } from './device-fault-recorder.js';
import { createKioskConsoles } from './kiosk-console.js';
import { KioskConsoleFacade } from './kiosk-console-facade.js';
import { applyStoredScaleCalibration } from './scale-calibration.js';
import type { ConsoleService } from '../console/console-service.js';
import { createDevices, type Devices } from '../hardware/create-devices.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { LogRing } from '../ops/log-ring.js';
import type { Logger } from '../ops/logger.js';
import { RUNTIME_VERSION } from '../ops/version.js';
import { openDatabase } from '../store/database.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import type { EventStore } from '../store/event-store.js';
import { SqliteEventStore } from '../store/sqlite-event-store.js';
import { SqliteSettingsStore, type SettingsStore } from '../store/settings-store.js';
import { ProcessMetrics } from '../ops/process-metrics.js';
import { StorageBudget } from '../store/storage-budget.js';
import { TelemetryStore } from '../store/telemetry-store.js';
import { WriteMeter } from '../store/write-meter.js';
import { MqttUplink } from '../sync/mqtt-uplink.js';
import { OutboxSync } from '../sync/outbox-sync.js';
import { TelemetryReporter } from '../sync/telemetry-reporter.js';
import { takeKioskSnapshot } from './telemetry-snapshot.js';
import { FleetLink } from './fleet/fleet-link.js';
import { createModelStore, wireModelUpdates, type ModelUpdates } from './model-updates.js';
import type { Classifier } from '../vision/classifier.js';
import { createClassifier } from '../vision/create-classifier.js';
import { decisionRulesFrom } from '../vision/decision-rules.js';

/** How often the checkpoint thread looks for WAL frames to copy (one with nothing new costs no write). */
const CHECKPOINT_INTERVAL_MS = 250;

export interface KioskOptions {
  config: DeviceConfig;
  clock: Clock;
  logger: Logger;
  /** How long shutdown waits for the outbox to drain while connected. */
  flushTimeoutMs?: number;
  /** How long start-up waits for the camera's first frame. */
  cameraReadyTimeoutMs?: number;
  /** Recent log lines for the console's `logs tail` (the logger writes into it). */
  logRing?: LogRing;
  /** Run the technician console on these streams too (main.ts --console-stdio). */
  consoleStdio?: { input: NodeJS.ReadStream; output: NodeJS.WritableStream };
  /** The device-config file `config` loaded (absolute): the console stages and applies changes to it. */
  configFile?: string;
  /** The console's `restart`: main.ts stops the kiosk and exits so the service manager restarts it. */
  onRestartRequested?: (reason: string) => void;
}

/**
 * The whole kiosk, wired: constructors only store dependencies, `start()`
 * starts the parts bottom-up and `stop()` stops them in reverse order.
 */
export class Kiosk {
  readonly devices: Devices;
  readonly classifier: Classifier;
  readonly store: EventStore;
  readonly flow: DepositFlow;
  readonly uplink: MqttUplink;
  readonly sync: OutboxSync;
  readonly faults: DeviceFaultRecorder;
  readonly settings: SettingsStore;
  readonly telemetryStore: TelemetryStore;
  readonly budget: StorageBudget;
  readonly telemetry: TelemetryReporter;
  /** Commands and the config shadow from the backend (src/app/fleet/). */
  readonly fleet: FleetLink;
  /** Over-the-air model updates (src/sync/ota/); none for the scenario classifier. */
  readonly models: ModelUpdates | undefined;
  /** Technician consoles: on console.port and/or stdio; none when neither is configured. */
  readonly consoles: ConsoleService[];
  private readonly metrics: ProcessMetrics;
  private readonly database: { db: Database; file: string };
  /** How to stop each part that has been started, most recent last. */
  private readonly stack: Array<() => Promise<void> | void> = [];

  constructor(private readonly options: KioskOptions) {
    const { config, clock, logger } = options;
    this.devices = createDevices(config, clock, logger);
    const modelStore = createModelStore(config, logger.child({ component: 'ota' }));
    this.classifier = createClassifier(config.classifier, { logger: logger.child({ component: 'classifier' }), ...(modelStore ? { source: modelStore } : {}) });
    const databaseFile = resolve(config.store.path);
    const db = openDatabase(databaseFile, logger.child({ component: 'store' }));
    this.database = { db, file: databaseFile };
    this.store = new SqliteEventStore(db, config.device.id, clock, logger.child({ component: 'store' }));
    this.settings = new SqliteSettingsStore(db, clock);
    this.telemetryStore = new TelemetryStore(db);
    this.budget = new StorageBudget(db, databaseFile, this.telemetryStore, config.store, logger.child({ component: 'storage' }));
    const writes = new WriteMeter(db);
    this.faults = new DeviceFaultRecorder(this.store, clock, logger.child({ component: 'devices' }));
    this.flow = new DepositFlow({
      devices: { ...this.devices, classifier: this.classifier },
      store: this.store,
      clock,
      logger: logger.child({ component: 'deposit' }),
      settings: config.deposit,
      bins: config.bins,
      rules: decisionRulesFrom(config),
    });
    this.uplink = new MqttUplink({
      broker: config.broker,
      deviceId: config.device.id,
      stationId: config.device.stationId,
      runtimeVersion: RUNTIME_VERSION,
      clock,
      logger: logger.child({ component: 'uplink' }),
    });
    this.sync = new OutboxSync({
      store: this.store,
      uplink: this.uplink,
      deviceId: config.device.id,
      settings: config.sync,
      logger: logger.child({ component: 'sync' }),
    });
    this.metrics = new ProcessMetrics();
    this.telemetry = new TelemetryReporter({
      store: this.telemetryStore,
      uplink: this.uplink,
      deviceId: config.device.id,
      clock,
      settings: config.telemetry,
      metrics: this.metrics,
      logger: logger.child({ component: 'telemetry' }),
      snapshot: () =>
        takeKioskSnapshot({ config, devices: this.devices, classifier: this.classifier, store: this.store, budget: this.budget, writes, uplink: this.uplink, sync: this.sync, now: () => clock.wallNow() }),
    });
    const facade = new KioskConsoleFacade({
      config,
      clock,
      devices: this.devices,
      classifier: this.classifier,
      flow: this.flow,
      store: this.store,
      uplink: this.uplink,
      sync: this.sync,
      logRing: options.logRing,
      onRestartRequested: options.onRestartRequested ?? ((reason) => logger.warn({ reason }, 'restart requested, but nothing handles it here')),
      deviceParts: { settings: this.settings, logger },
      settingsParts: { configFile: options.configFile, settings: this.settings, logger },
    });
    this.fleet = new FleetLink({
      config,
      configFile: options.configFile,
      clock,
      logger: logger.child({ component: 'fleet' }),
      db,
      settings: this.settings,
      uplink: this.uplink,
      gpio: this.devices.gpio,
      camera: this.devices.camera,
      flow: this.flow,
      kiosk: facade,
    });
    this.models = wireModelUpdates({
      config,
      store: modelStore,
      classifier: this.classifier,
      events: this.store,
      keyring: this.fleet.keyring,
      commands: this.fleet.commands,
      logger: logger.child({ component: 'ota' }),
    });
    this.consoles = createKioskConsoles({ config, clock, logger, facade, store: this.store, settings: this.settings, stdio: options.consoleStdio });
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    const { scale, scanner, camera, gpio, scenario, companions } = this.devices;
    await this.startCheckpointer();
    for (const companion of companions) {
      this.stack.push(() => companion.stop());
      await companion.start();
    }
    for (const [name, device] of [['gpio', gpio], ['scale', scale], ['barcode', scanner], ['camera', camera], ['classifier', this.classifier]] as const) {
      if ('on' in device) this.faults.watch(name, device);
      this.stack.push(() => device.stop());
      await device.start();
    }
    // The console's `scale calibrate` factor, before the deposit flow weighs anything.
    applyStoredScaleCalibration(this.settings, scale, logger.child({ component: 'scale' }));
    await this.cameraStreaming(camera);
    this.stack.push(() => this.faults.stop());
    this.store.append({ type: 'kiosk.started', payload: { runtimeVersion: RUNTIME_VERSION, configVersion: config.configVersion } });
    // After the classifier: reports a rollback done while it started, goes on with a model on trial, deletes old models.
    const models = this.models;
    if (models) {
      this.stack.push(() => models.updater.stop());
      models.updater.start();
    }
    this.stack.push(() => this.uplink.stop());
    this.stack.push(async () => {
      const drained = await this.sync.drained(this.options.flushTimeoutMs ?? 3000);
      logger.info({ drained, queue: this.store.stats() }, 'outbox flushed');
      this.sync.stop();
    });
    // Before the uplink: the first connection's retained desired config and any command find their listeners.
    this.fleet.start();
    // The command service knows its open model.update commands now: finish them, resuming an interrupted download.
    this.models?.handler.resumeAfterStart();
    this.sync.start();
    this.uplink.start();
    this.stack.push(() => this.flow.stop());
    // Stopped before the deposit flow and the uplink: a running command (a door held unlocked) ends as interrupted, and its result still goes out.
    this.stack.push(() => this.fleet.stop());
    await this.flow.start();
    this.watchStorageBudget();
    this.stack.push(() => {
      this.telemetry.stop();
      this.metrics.stop();
    });
    this.telemetry.start();
    if (scenario) {
      this.stack.push(() => scenario.stop());
      scenario.start();
    }
    // Last up, first down: the console sees a running kiosk, and its audit events reach the store before it closes.
    for (const service of this.consoles) {
      this.stack.push(() => service.stop());
      await service.start();
    }
    logger.info({ deviceId: config.device.id, queue: this.store.stats() }, 'kiosk started');
  }

  /**
   * WAL checkpoints in a thread of their own: done inline, the commit that crosses SQLite's threshold copies the
   * WAL into the database and fsyncs it, which on an SD card holds deposits, GPIO and PUBACKs for a noticeable time.
   * Should the thread not start, checkpoints stay inline (SQLite's default) and the kiosk runs as before.
   */
  private async startCheckpointer(): Promise<void> {
    const { db, file } = this.database;
    try {
      const checkpointer = await WalCheckpointer.start({ path: file, intervalMs: CHECKPOINT_INTERVAL_MS });
      db.pragma('wal_autocheckpoint = 0');
      this.stack.push(async () => {
        await checkpointer.stop();
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'WAL checkpoint thread did not start; checkpoints stay inline');
    }
  }

  /**
   * The disk policy reaches the consumer here: when the budget is reached the
   * deposit flow pauses intake with the reason, and reopens once acknowledged
   * events have been deleted. Checked after every event and acknowledgement.
   */
  private watchStorageBudget(): void {
    const onIntake = (state: ReturnType<StorageBudget['evaluate']>['intake']): void => {
      const change = state.open ? this.flow.resumeIntake() : this.flow.pauseIntake(state.reason);
      change.catch((error: unknown) => this.options.logger.error({ err: error }, 'could not change intake'));
    };
    const check = (): void => {
      try {
        this.budget.evaluate();
      } catch (error) {
        this.options.logger.error({ err: error }, 'storage budget check failed');
      }
    };
    this.budget.on('intake', onIntake);
    this.store.on('appended', check);
    // Acknowledged rows are deleted in steps after the acknowledgement: their space counts once they are gone.
    this.sync.on('pruned', check);
    this.stack.push(() => {
      this.budget.off('intake', onIntake);
      this.store.off('appended', check);
      this.sync.off('pruned', check);
    });
    check();
  }

  /**
   * Waits (bounded) for the camera's first frame, so the first consumer's item is
   * seen by a streaming camera. A camera that never streams is the camera's
   * fault to report; the kiosk starts anyway and refuses items with a reason.
   */
  private async cameraStreaming(camera: Devices['camera']): Promise<void> {
    try {
      await once(camera, 'frame', { signal: AbortSignal.timeout(this.options.cameraReadyTimeoutMs ?? 5000) });
    } catch {
      this.options.logger.warn('camera not streaming yet; starting without it');
    }
  }

  /** Stops what was started, in reverse order (also after a start that failed half-way), then closes the store. */
  async stop(): Promise<void> {
    for (let stopPart = this.stack.pop(); stopPart; stopPart = this.stack.pop()) {
      try {
        await stopPart();
      } catch (error) {
        this.options.logger.error({ err: error }, 'a part failed to stop');
      }
    }
    this.store.close();
  }
}
