import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoChild } from '../../scripts/bench/children.js';
import { runFleet } from '../../scripts/fleet-sim/fleet.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

describe('fleet simulator: 1,000 kiosks in one process against one mosquitto and the reference ingest', () => {
  let dir: TempDir;
  let broker: MosquittoChild;
  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startMosquitto(true, { persistence: true });
  });
  afterEach(async () => {
    await broker.stop();
    dir.remove();
  });

  it('loses nothing and stores nothing twice across a fleet-wide broker outage', async () => {
    const verdict = await runFleet({
      brokerUrl: `mqtt://127.0.0.1:${broker.port}`,
      dir: dir.path,
      kiosks: 1000,
      depositsPerKiosk: 3,
      durationMs: 8000,
      logger: createSilentLogger(),
      midway: () => broker.restart(2000),
      reconnect: { initialMs: 500, maxMs: 5000 },
      settleTimeoutMs: 120_000,
    });
    expect(verdict.bad).toEqual([]);
    // Each kiosk's kiosk.started plus its deposits, every one stored exactly once.
    expect(verdict.eventsWritten).toBe(1000 * (1 + 3));
    expect(verdict.eventsStored).toBe(verdict.eventsWritten);
    expect(verdict.lossFree).toBe(true);
    expect(verdict.duplicateFree).toBe(true);
  }, 300_000);
});
