import type { Devices } from '../hardware/create-devices.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import type { DeviceName } from '../protocol/events.js';
import type { TelemetrySample } from '../protocol/telemetry.js';
import type { EventStore } from '../store/event-store.js';
import type { StorageBudget } from '../store/storage-budget.js';
import type { WriteMeter } from '../store/write-meter.js';
import type { OutboxSync } from '../sync/outbox-sync.js';
import type { KioskSnapshot } from '../sync/telemetry-reporter.js';
import type { Uplink } from '../sync/uplink.js';
import type { Classifier } from '../vision/classifier.js';

export interface SnapshotParts {
  config: DeviceConfig;
  devices: Devices;
  classifier: Classifier;
  store: EventStore;
  budget: StorageBudget;
  writes: WriteMeter;
  uplink: Uplink;
  sync: OutboxSync;
  now: () => Date;
}

/** Gathers what telemetry reports of the kiosk itself, from every part (wiring layer: it is allowed to see them all). */
export function takeKioskSnapshot(parts: SnapshotParts): KioskSnapshot {
  const { config, devices, classifier, store, budget, writes, uplink, sync } = parts;
  const storage = budget.evaluate();
  const written = writes.record(parts.now());
  const queue = store.stats();
  const oldestMs = queue.oldestUnsentTime === null ? null : Date.parse(queue.oldestUnsentTime);
  const health: Record<DeviceName, { state: 'running' | 'faulted' | 'stopped' }> = {
    scale: devices.scale.health(),
    barcode: devices.scanner.health(),
    camera: devices.camera.health(),
    gpio: devices.gpio.health(),
    classifier: classifier.health(),
  };
  const bins: TelemetrySample['bins'] = {};
  for (const [name, bin] of Object.entries(config.bins)) {
    bins[name] = bin.fullSensor === undefined ? 'unknown' : readLine(devices, bin.fullSensor) ? 'full' : 'ok';
  }
  const [modelName = classifier.model, modelVersion = ''] = classifier.model.split('@');
  return {
    disk: { freeBytes: storage.diskFreeBytes, totalBytes: storage.diskTotalBytes },
    storage: {
      databaseBytes: storage.usedBytes,
      budgetBytes: storage.budgetBytes,
      bytesWrittenToday: written.today,
      bytesWrittenTotal: written.total,
      telemetryDropped: storage.telemetryDropped,
      intake: storage.intake.open ? 'open' : 'paused',
    },
    queue: {
      depth: queue.total,
      oldestAgeMs: oldestMs === null || Number.isNaN(oldestMs) ? null : Math.max(0, parts.now().getTime() - oldestMs),
      lastSeq: queue.lastSeq,
      ackedSeq: queue.ackedSeq,
    },
    sync: { connected: uplink.isConnected, state: sync.state, parkedReason: sync.parked },
    devices: Object.fromEntries(Object.entries(health).map(([name, h]) => [name, h.state])),
    bins,
    model: { name: modelName, version: modelVersion, state: health.classifier.state === 'faulted' ? 'faulted' : 'ready' },
  };
}

function readLine(devices: Devices, line: string): boolean | undefined {
  try {
    return devices.gpio.read(line);
  } catch {
    return undefined;
  }
}
