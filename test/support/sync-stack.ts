import type { Clock } from '../../src/ops/clock.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { DeviceConfig } from '../../src/ops/config/schema.js';
import { SyncConfig } from '../../src/ops/config/sync-config.js';
import { createSilentLogger, type Logger } from '../../src/ops/logger.js';
import type { EventDraft } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { MqttUplink } from '../../src/sync/mqtt-uplink.js';
import { OutboxSync } from '../../src/sync/outbox-sync.js';

export const STARTED: EventDraft = { type: 'kiosk.started', payload: { runtimeVersion: 'test', configVersion: 1 } };

export interface SyncStack {
  store: SqliteEventStore;
  uplink: MqttUplink;
  sync: OutboxSync;
  append(n: number, draft?: EventDraft): void;
  stop(): Promise<void>;
}

/**
 * The kiosk's sync layer on its own, in-process: a real outbox file, the real
 * MQTT uplink and drain, against a real broker. For tests of delivery that do
 * not need devices.
 */
export function startSyncStack(options: {
  storeFile: string;
  brokerUrl: string;
  deviceId: string;
  broker?: Partial<DeviceConfig['broker']>;
  sync?: Record<string, unknown>;
  clock?: Clock;
  logger?: Logger;
}): SyncStack {
  const clock = options.clock ?? createSystemClock();
  const logger = options.logger ?? createSilentLogger();
  const store = new SqliteEventStore(openDatabase(options.storeFile, logger), options.deviceId, clock, logger);
  const broker = DeviceConfig.shape.broker.parse({ url: options.brokerUrl, reconnect: { initialMs: 50, maxMs: 500 }, connectTimeoutMs: 2000, ...options.broker });
  const uplink = new MqttUplink({ broker, deviceId: options.deviceId, stationId: 'station-test', runtimeVersion: 'test', clock, logger });
  const sync = new OutboxSync({ store, uplink, deviceId: options.deviceId, settings: SyncConfig.parse(options.sync ?? {}), logger, retryDelayMs: 50, parkRetryMs: 60_000 });
  sync.start();
  uplink.start();
  return {
    store,
    uplink,
    sync,
    append(n, draft = STARTED) {
      for (let i = 0; i < n; i += 1) store.append(draft);
    },
    async stop() {
      sync.stop();
      await uplink.stop();
      store.close();
    },
  };
}
