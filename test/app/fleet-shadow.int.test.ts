import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetCommandClient } from '../../src/fleet/command-client.js';
import { buildCommand, buildDesired, signCommand, signDesired } from '../../src/fleet/signer.js';
import { FLEET_DEVICE_ID, makeFleetKeys, writeFleetKiosk, type FleetKeys } from '../support/fleet-kiosk.js';
import type { TestKioskFiles } from '../support/kiosk-config.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { Broker } from '../support/mosquitto.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

/** sysexits EX_TEMPFAIL: "restart me"; the test restarts the runtime as the service manager would. */
const EXIT_RESTART = 75;

/**
 * The config shadow with the compiled runtime (dist/main.js) as a real
 * process, a real mosquitto and the fleet's client: desired configs applied
 * through the console's apply guard, judged after the restart, reported.
 */
describe('config shadow', () => {
  let broker: Broker;
  let keys: FleetKeys;
  let dir: TempDir;
  let files: TestKioskFiles;
  let original: string;
  let fleet: FleetCommandClient | undefined;
  const processes: KioskProcess[] = [];
  const f = (): FleetCommandClient => fleet as FleetCommandClient;

  beforeEach(async () => {
    broker = await Broker.create();
    await broker.start();
    keys = makeFleetKeys();
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const kiosk of processes.splice(0)) await kiosk.dispose();
    await fleet?.close().catch(() => undefined);
    fleet = undefined;
    await broker?.dispose();
    dir?.remove();
  });

  async function setUp(options: { applyHealthTimeoutMs?: number } = {}): Promise<void> {
    files = writeFleetKiosk(dir, { brokerUrl: broker.url, keys, overrides: { log: { level: 'debug' } }, ...options });
    original = readFileSync(files.configFile, 'utf8');
    fleet = await FleetCommandClient.connect({ url: broker.url });
  }

  function spawn(): KioskProcess {
    const kiosk = new KioskProcess(files.configFile);
    processes.push(kiosk);
    return kiosk;
  }

  async function desire(version: number, patch: Record<string, unknown>): Promise<void> {
    await f().publishDesired(FLEET_DEVICE_ID, await signDesired(buildDesired(FLEET_DEVICE_ID, version, patch), keys.config));
  }

  const liveConfig = (): { deposit: { minConfidence?: number }; routes: Record<string, string> } => JSON.parse(readFileSync(files.configFile, 'utf8'));

  it('a valid desired config is applied, kept after the restart and reported; an older version is ignored', async () => {
    await setUp();
    const first = spawn();
    await first.waitForLog('kiosk started');
    expect(await f().waitForReported((r) => r.desiredVersion === 0, 15_000)).toMatchObject({ state: 'applied', appliedVersion: 0, reason: null, config: { deposit: { minConfidence: 0.6 } } });

    await desire(1, { deposit: { minConfidence: 0.75 }, routes: { glass: null, plastic: 'carton' } });
    expect(await f().waitForReported((r) => r.state === 'applying', 15_000)).toMatchObject({ desiredVersion: 1, appliedVersion: 0 });
    expect((await first.exited).code).toBe(EXIT_RESTART);
    expect(liveConfig()).toMatchObject({ deposit: { minConfidence: 0.75 }, routes: { cardboard: 'carton', paper: 'paper', plastic: 'carton' } });
    expect(existsSync(`${files.configFile}.last-good`)).toBe(true);
    expect(readFileSync(`${files.configFile}.last-good`, 'utf8')).toBe(original);

    const second = spawn();
    const applied = await f().waitForReported((r) => r.state === 'applied' && r.appliedVersion === 1, 20_000);
    expect(applied).toMatchObject({ desiredVersion: 1, reason: null, config: { deposit: { minConfidence: 0.75 }, routes: { plastic: 'carton' } } });
    expect(applied.config).not.toHaveProperty('broker');
    expect(applied.config).not.toHaveProperty('device');
    expect(existsSync(`${files.configFile}.pending-apply`)).toBe(false);
    // The retained v1 came again on this connection and was recognised as handled.
    await second.waitForLog('desired config already handled');

    const kept = readFileSync(files.configFile, 'utf8');
    await desire(1, { deposit: { minConfidence: 0.1 } });
    const ignored = await waitForLogCount(second, 'desired config already handled', 2);
    expect(ignored).toMatchObject({ version: 1, handled: 1 });
    expect(readFileSync(files.configFile, 'utf8')).toBe(kept);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('refuses an invalid config naming the field, and a patch of keys the fleet does not manage; the kiosk keeps running unchanged', async () => {
    await setUp();
    const kiosk = spawn();
    await kiosk.waitForLog('kiosk started');
    await f().waitForReported((r) => r.desiredVersion === 0, 15_000);

    await desire(1, { deposit: { minConfidence: 1.5 } });
    expect(await f().waitForReported((r) => r.desiredVersion === 1, 15_000)).toMatchObject({ state: 'rejected', appliedVersion: 0, reason: expect.stringContaining('deposit.minConfidence: ') });
    await desire(2, { broker: { url: 'mqtt://127.0.0.1:1' }, deposit: { doorLock: 'diverter-paper' } });
    expect(await f().waitForReported((r) => r.desiredVersion === 2, 15_000)).toMatchObject({ state: 'rejected', reason: 'not fleet-managed: broker, deposit.doorLock' });
    await desire(3, { routes: { paper: 'nowhere' } });
    expect(await f().waitForReported((r) => r.desiredVersion === 3, 15_000)).toMatchObject({ state: 'rejected', reason: expect.stringContaining('routes.paper: bin "nowhere" is not declared under bins') });

    expect(readFileSync(files.configFile, 'utf8')).toBe(original);
    expect(existsSync(`${files.configFile}.pending-apply`)).toBe(false);
    kiosk.kill('SIGTERM');
    expect((await kiosk.exited).code).toBe(0);
  });

  it('a config the kiosk is not healthy with (no broker within the bound after the restart) is rolled back and reported rolled-back', async () => {
    await setUp({ applyHealthTimeoutMs: 1500 });
    const first = spawn();
    await first.waitForLog('kiosk started');
    await f().waitForReported((r) => r.desiredVersion === 0, 15_000);
    await desire(1, { deposit: { minConfidence: 0.8 } });
    expect((await first.exited).code).toBe(EXIT_RESTART);
    await fleet?.close();
    fleet = undefined;
    await broker.stop();

    const probation = spawn();
    await probation.waitForLog('applied config on probation: waiting for the broker connection');
    const rolledBack = await probation.waitForLog('config apply rolled back: restored the last-known-good config; restarting');
    expect(rolledBack.reason).toBe('not connected to the broker within 1.5 s of start-up');
    expect((await probation.exited).code).toBe(EXIT_RESTART);
    expect(readFileSync(files.configFile, 'utf8')).toBe(original);

    await broker.start();
    fleet = await FleetCommandClient.connect({ url: broker.url });
    const recovered = spawn();
    const reported = await f().waitForReported((r) => r.desiredVersion === 1, 20_000);
    expect(reported).toMatchObject({ state: 'rolled-back', appliedVersion: 0, reason: 'not connected to the broker within 1.5 s of start-up', config: { deposit: { minConfidence: 0.6 } } });
    recovered.kill('SIGTERM');
    expect((await recovered.exited).code).toBe(0);
  });

  it('config.update answers in-progress, restarts, and its final result follows from the next start; a replay gets that final result', async () => {
    await setUp();
    const first = spawn();
    await first.waitForLog('kiosk started');
    await f().waitForReported((r) => r.desiredVersion === 0, 15_000);
    const command = buildCommand({ type: 'config.update', deviceId: FLEET_DEVICE_ID, params: { version: 4, patch: { telemetry: { intervalMs: 30_000 } } } });
    const jws = await signCommand(command, keys.commands);
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    expect(await f().waitForResult((r) => r.commandId === command.id, 15_000)).toMatchObject({ status: 'in-progress', data: { version: 4, state: 'applying', restart: true } });
    expect((await first.exited).code).toBe(EXIT_RESTART);

    spawn();
    const final = await f().waitForResult((r) => r.commandId === command.id && r.status !== 'in-progress', 20_000);
    expect(final).toMatchObject({ status: 'ok', duplicate: false, data: { version: 4, state: 'applied' } });
    expect(await f().waitForReported((r) => r.appliedVersion === 4, 15_000)).toMatchObject({ state: 'applied', config: { telemetry: { intervalMs: 30_000 } } });

    await f().sendCommand(FLEET_DEVICE_ID, jws);
    expect(await f().waitForResult((r) => r.commandId === command.id && r.duplicate, 15_000)).toEqual({ ...final, duplicate: true });
    // An older version by command: refused as stale, nothing changes.
    const stale = buildCommand({ type: 'config.update', deviceId: FLEET_DEVICE_ID, params: { version: 3, patch: { telemetry: { intervalMs: 10_000 } } } });
    await f().sendCommand(FLEET_DEVICE_ID, await signCommand(stale, keys.commands));
    expect(await f().waitForResult((r) => r.commandId === stale.id, 15_000)).toMatchObject({ status: 'failed', error: { code: 421 } });
    expect(JSON.parse(readFileSync(files.configFile, 'utf8'))).toMatchObject({ telemetry: { intervalMs: 30_000 } });
  });
});

async function waitForLogCount(kiosk: KioskProcess, msg: string, count: number): Promise<Record<string, unknown>> {
  const { waitFor } = await import('../support/wait-for.js');
  return waitFor(() => kiosk.logs.filter((line) => line.msg === msg)[count - 1], { description: `${count}× log "${msg}"`, timeoutMs: 15_000 });
}
