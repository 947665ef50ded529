import { describe, expect, it } from 'vitest';
import { DeviceConfig } from '../../../src/ops/config/schema.js';
import { fleetManagedView, forbiddenPaths } from '../../../src/sync/shadow/fleet-managed.js';
import { defaultConfigDocument } from '../../support/kiosk-config.js';

describe('fleet-managed config', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['deposit thresholds', { deposit: { minConfidence: 0.7, maxItemGrams: 8000 } }, []],
    ['routes, whole', { routes: { glass: 'paper', plastic: null } }, []],
    ['classifier weight ranges and waybill labels', { classifier: { weightRanges: { cardboard: { minGrams: 20, maxGrams: 900 } }, waybillLabels: ['cardboard'] } }, []],
    ['sync, telemetry and log', { sync: { inFlightMax: 8 }, telemetry: { intervalMs: 30_000 }, log: { level: 'debug' } }, []],
    ['device identity', { device: { id: 'kiosk-evil' } }, ['device']],
    ['broker and its credentials', { broker: { url: 'mqtt://evil:1883', password: 'x' } }, ['broker']],
    ['the fleet keys themselves', { fleet: { keys: [] } }, ['fleet']],
    ['hardware paths', { hardware: { scale: { path: '/dev/ttyUSB1' } } }, ['hardware']],
    ['GPIO line names under deposit', { deposit: { doorLock: 'x', itemSensor: 'y', minConfidence: 0.7 } }, ['deposit.doorLock', 'deposit.itemSensor']],
    ['the diverter wiring (bins)', { bins: { glass: { diverter: 'diverter-paper' } } }, ['bins']],
    ['the model directory', { classifier: { modelDir: '/tmp/evil' } }, ['classifier.modelDir']],
    ['removing a partly managed section', { deposit: null }, ['deposit']],
    ['replacing a partly managed section by a value', { classifier: 'x' }, ['classifier']],
    ['store, console, simulation, version', { store: {}, console: {}, simulation: {}, configVersion: 2 }, ['store', 'console', 'simulation', 'configVersion']],
    ['a "__proto__" key', JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>, ['__proto__']],
  ];

  it.each(cases)('%s → forbidden %j', (_name, patch, forbidden) => {
    expect(forbiddenPaths(patch)).toEqual(forbidden);
  });

  it('reports only the managed part of a config: no identity, broker, keys or hardware', () => {
    const config = DeviceConfig.parse({ ...defaultConfigDocument(), broker: { url: 'mqtt://127.0.0.1:1883', username: 'kiosk', password: 'secret' } });
    const view = fleetManagedView(config);
    expect(Object.keys(view).sort()).toEqual(['classifier', 'deposit', 'log', 'routes', 'sync', 'telemetry']);
    expect(Object.keys(view.classifier as object)).toEqual(config.classifier.waybillLabels === undefined ? ['weightRanges'] : ['weightRanges', 'waybillLabels']);
    expect(view.classifier).toMatchObject({ weightRanges: config.classifier.weightRanges });
    const { stableTimeoutMs, minItemGrams, maxItemGrams, minConfidence, removalReminderMs, consumerCodeTtlMs } = config.deposit;
    expect(view.deposit).toEqual({ stableTimeoutMs, minItemGrams, maxItemGrams, minConfidence, removalReminderMs, consumerCodeTtlMs });
    expect(JSON.stringify(view)).not.toContain('secret');
  });
});
