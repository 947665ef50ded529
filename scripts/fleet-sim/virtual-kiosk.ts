/**
 * One virtual kiosk of the fleet simulator: the real sync layer (a SQLite
 * outbox file, MqttUplink, OutboxSync) with deposits written at random
 * moments instead of coming from devices. Many of them run in one process.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/ops/clock.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { DeviceConfig } from '../../src/ops/config/schema.js';
import { SyncConfig } from '../../src/ops/config/sync-config.js';
import type { Logger } from '../../src/ops/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { MqttUplink } from '../../src/sync/mqtt-uplink.js';
import { OutboxSync } from '../../src/sync/outbox-sync.js';

export interface VirtualKioskOptions {
  deviceId: string;
  storeFile: string;
  brokerUrl: string;
  logger: Logger;
  reconnect: { initialMs: number; maxMs: number };
  sync?: Record<string, unknown>;
}

export class VirtualKiosk {
  readonly store: SqliteEventStore;
  readonly uplink: MqttUplink;
  readonly sync: OutboxSync;
  private readonly clock: Clock = createSystemClock();

  constructor(readonly options: VirtualKioskOptions) {
    const { deviceId, storeFile, brokerUrl, logger } = options;
    this.store = new SqliteEventStore(openDatabase(storeFile, logger), deviceId, this.clock, logger);
    const broker = DeviceConfig.shape.broker.parse({ url: brokerUrl, reconnect: options.reconnect, connectTimeoutMs: 5000 });
    this.uplink = new MqttUplink({ broker, deviceId, stationId: `station-${deviceId}`, runtimeVersion: 'fleet-sim', clock: this.clock, logger });
    this.sync = new OutboxSync({ store: this.store, uplink: this.uplink, deviceId, settings: SyncConfig.parse(options.sync ?? {}), logger });
  }

  start(): void {
    this.store.append({ type: 'kiosk.started', payload: { runtimeVersion: 'fleet-sim', configVersion: 1 } });
    this.sync.start();
    this.uplink.start();
  }

  /** A consumer's deposit, written durably like the real deposit flow writes it. */
  deposit(): void {
    const accepted = Math.random() < 0.85;
    this.store.append({
      type: accepted ? 'deposit.accepted' : 'deposit.rejected',
      payload: {
        depositId: randomUUID(),
        route: accepted ? 'carton' : 'reject',
        label: accepted ? 'cardboard' : 'glass',
        confidence: 0.9,
        weightGrams: 250,
        consumerCode: null,
        barcodes: [],
        reasons: accepted ? [] : ['material-not-accepted'],
        model: 'packaging-v1@1.0.0',
        durationMs: 450,
      },
    });
  }

  get lastSeq(): number {
    return this.store.stats().lastSeq;
  }

  async stop(): Promise<void> {
    this.sync.stop();
    await this.uplink.stop();
    this.store.close();
  }
}
