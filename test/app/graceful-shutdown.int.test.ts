import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../support/mosquitto.js';
import { KioskProcess, type LogLine } from '../support/kiosk-process.js';
import { defaultConfigDocument, writeTestKiosk } from '../support/kiosk-config.js';
import { projectRoot } from '../support/paths.js';
import { TestSubscriber } from '../support/subscriber.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** Index of the first log line that matches, or -1: the order lines were written in is the order things happened. */
function indexOfLog(logs: readonly LogLine[], match: (line: LogLine) => boolean): number {
  return logs.findIndex(match);
}

/**
 * SIGTERM at awkward moments: in the middle of a deposit, and before the kiosk
 * has finished starting. Either way the runtime must finish what it started and
 * exit 0, not die half-way.
 */
describe('graceful shutdown at awkward moments (compiled runtime, real mosquitto)', () => {
  let dir: TempDir;
  let broker: Broker;
  let subscriber: TestSubscriber | undefined;
  let kiosk: KioskProcess | undefined;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await Broker.create();
    await broker.start();
  });

  afterEach(async () => {
    await kiosk?.dispose();
    kiosk = undefined;
    await subscriber?.disconnect();
    subscriber = undefined;
    await broker.dispose();
    dir.remove();
  });

  it('SIGTERM while an item is being weighed: that deposit is still recorded and delivered, and the process exits 0', async () => {
    subscriber = new TestSubscriber(broker.url);
    await subscriber.connect();
    const base = defaultConfigDocument();
    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      scenario: {
        scenarioVersion: 1,
        passes: 1,
        idleMs: 0,
        // No consumer code: a scan still on its way when the signal comes is rightly ignored, which would make the test racy.
        items: [{ label: 'cardboard', confidence: 0.93, weightGrams: 300 }],
      },
      overrides: {
        // Debug level for the "deposit state" lines; a slow scale keeps the visit in "weighing" for about 3 s.
        log: { level: 'debug' },
        hardware: { ...base.hardware, scale: { kind: 'simulated', readingIntervalMs: 300, noiseGrams: 0.1 } },
        deposit: { stableTimeoutMs: 20_000, diverterPulseMs: 1, removalReminderMs: 5000 },
      },
    });
    kiosk = new KioskProcess(files.configFile);
    const weighing = await waitFor(() => kiosk?.logs.find((line) => line.msg === 'deposit state' && line.state === 'weighing'), {
      description: 'the deposit flow in state "weighing"',
      timeoutMs: 30_000,
    });
    kiosk.kill('SIGTERM');
    const { code, signal } = await kiosk.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    const { logs } = kiosk;
    const shuttingDown = indexOfLog(logs, (line) => line.msg === 'shutting down');
    const recorded = indexOfLog(logs, (line) => line.msg === 'deposit recorded');
    // The signal arrived mid-visit: the deposit was recorded after shutdown began, and before the kiosk stopped.
    expect(shuttingDown).toBeGreaterThan(logs.indexOf(weighing));
    expect(recorded).toBeGreaterThan(shuttingDown);
    expect(indexOfLog(logs, (line) => line.msg === 'stopped')).toBeGreaterThan(recorded);
    expect(logs[recorded]).toMatchObject({ type: 'deposit.accepted', route: 'carton', label: 'cardboard', reasons: [] });

    // Flushed before exit (the broker acknowledged it), so the backend gets it.
    await subscriber.waitForEvents((all) => all.some((event) => event.type.startsWith('deposit.')), 'the deposit at the subscriber');
    const deposits = subscriber.deposits();
    expect(deposits).toHaveLength(1);
    expect(deposits[0]).toMatchObject({
      type: 'deposit.accepted',
      seq: logs[recorded]?.seq,
      payload: { depositId: logs[recorded]?.depositId, route: 'carton', label: 'cardboard' },
    });
  });

  it('SIGTERM during start-up: the kiosk finishes starting, then stops cleanly and exits 0', async () => {
    // A camera that never sends a frame makes start-up wait its full 5 s for the first one: a wide, certain window.
    // It ends itself once its parent is gone, so a killed runtime leaves no child behind.
    const silentCamera = [process.execPath, '-e', 'const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 100);'];
    const base = defaultConfigDocument();
    const files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'cardboard', weightGrams: 300 }] },
      overrides: {
        hardware: { ...base.hardware, camera: { kind: 'mjpeg-process', command: silentCamera } },
        // No scenario (it needs the simulated camera), and so the model rather than the scenario classifier.
        simulation: undefined,
        classifier: { kind: 'onnx', modelDir: join(projectRoot, 'models', 'packaging-v1'), threads: 1 },
      },
    });
    kiosk = new KioskProcess(files.configFile);
    await kiosk.waitForLog('kiosk-runtime starting');
    kiosk.kill('SIGTERM');
    const { code, signal } = await kiosk.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    const messages = kiosk.logs.map((line) => line.msg);
    const requested = messages.indexOf('stop requested while starting; stopping once started');
    expect(requested).toBeGreaterThanOrEqual(0);
    expect(kiosk.logs[requested]).toMatchObject({ signal: 'SIGTERM' });
    // Start-up ran to its end (camera wait included), then the ordinary shutdown.
    expect(messages.indexOf('camera not streaming yet; starting without it')).toBeGreaterThan(requested);
    expect(messages.indexOf('kiosk started')).toBeGreaterThan(requested);
    expect(messages.indexOf('shutting down')).toBeGreaterThan(messages.indexOf('kiosk started'));
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('shutting down'));
  });
});
