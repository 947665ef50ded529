import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { provisionTechnicianCredentials } from '../../src/console/provision.js';
import { answerWithFleetKey, deriveDeviceKey } from '../../src/console/tech-key.js';
import { createSystemClock } from '../../src/ops/clock.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { KioskEvent, type ConsoleCommandPayload } from '../../src/protocol/events.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { SqliteSettingsStore } from '../../src/store/settings-store.js';
import { DEVICE_ID, FLEET_KEY } from '../support/console-kiosk.js';
import { freePort } from '../support/free-port.js';
import { writeTestKiosk, type TestKioskFiles } from '../support/kiosk-config.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { Broker } from '../support/mosquitto.js';
import { PtyPair } from '../support/pty-pair.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { consolePortOpen, EXIT_RESTART, logOf, PROCESS_TEST_TIMEOUT_MS } from './console-process.js';

/**
 * `config apply` and its rollback with the compiled runtime (dist/main.js) as
 * a real process, restarted by the test as the service manager would restart
 * it on exit 75, and its console on a real PTY. The PTY stays plugged in
 * across restarts, as the technician's cable does.
 */
describe('settings: config apply rolls back when the new config does not start or stay healthy', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let broker: Broker;
  let dir: TempDir;
  let pty: PtyPair;
  let files: TestKioskFiles;
  let original: string;
  let tech: Technician | undefined;
  const processes: Array<{ kiosk: KioskProcess; exitCode: number | null | undefined }> = [];

  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  async function setUp(): Promise<void> {
    dir = makeTempDir();
    pty = await PtyPair.create();
    files = writeTestKiosk(dir, {
      brokerUrl: broker.url,
      deviceId: DEVICE_ID,
      scenario: { scenarioVersion: 1, passes: 1, idleMs: 0, items: [{ label: 'paper', weightGrams: 20 }] },
      overrides: { console: { port: { path: pty.driverPath, reconnect: { initialMs: 20, maxMs: 200 } } } },
    });
    original = readFileSync(files.configFile, 'utf8');
    // Factory provisioning of the console credentials, as scripts/provision-console.ts does.
    const db = openDatabase(files.storeFile, createSilentLogger());
    await provisionTechnicianCredentials(new SqliteSettingsStore(db, createSystemClock()), { deviceKey: deriveDeviceKey(FLEET_KEY, DEVICE_ID) });
    db.close();
  }

  afterEach(async () => {
    await tech?.disconnect();
    tech = undefined;
    for (const { kiosk } of processes.splice(0)) await kiosk.dispose();
    await pty?.dispose();
    dir?.remove();
  });

  /** Starts the kiosk as the service manager would; the one before must have exited (one kiosk on the console port at a time). */
  function spawn(): KioskProcess {
    expect(processes.every((kiosk) => kiosk.exitCode !== undefined), 'the previous kiosk process has exited').toBe(true);
    const kiosk = new KioskProcess(files.configFile);
    const entry = { kiosk, exitCode: undefined as number | null | undefined };
    void kiosk.exited.then(({ code }) => {
      entry.exitCode = code;
    });
    processes.push(entry);
    return kiosk;
  }

  /**
   * A fresh terminal, logged in as alice, once this kiosk has its end of the
   * console open (bytes typed at a closed end are lost). connect() syncs past
   * whatever the kiosk printed before.
   */
  async function technician(kiosk: KioskProcess): Promise<Technician> {
    await tech?.disconnect();
    await consolePortOpen(kiosk, pty.driverPath);
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.login('alice', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
    return tech;
  }

  function audits(): ConsoleCommandPayload[] {
    const store = new SqliteEventStore(openDatabase(files.storeFile, createSilentLogger()), DEVICE_ID, createSystemClock());
    try {
      return store.pending(0, 10_000, 1 << 24).flatMap((row) => {
        const event = KioskEvent.parse(JSON.parse(row.body));
        return event.type === 'console.command' ? [event.payload] : [];
      });
    } finally {
      store.close();
    }
  }

  it('a config that cannot start: the next start restores last-known-good and exits for a restart, the one after runs and says so', async () => {
    await setUp();
    const first = spawn();
    await logOf(first, 'kiosk started');
    const console1 = await technician(first);
    // Valid for the schema, fatal at start: the scenario file does not exist.
    expect(await console1.run(`config set simulation.scenario ${dir.file('missing-scenario.json')}`)).toContain('staged simulation.scenario');
    expect(await console1.run('config apply --no-broker-check')).toContain('restarting: if the kiosk does not start within 60 s it rolls back');
    expect((await first.exited).code).toBe(EXIT_RESTART);
    expect(readFileSync(files.configFile, 'utf8')).toContain('missing-scenario.json');
    expect(existsSync(`${files.configFile}.pending-apply`)).toBe(true);

    const failing = spawn();
    expect((await failing.exited).code).toBe(EXIT_RESTART);
    expect(failing.stderr).toMatch(/config apply rolled back to last-known-good: start-up failed: \[E104\][^\n]*missing-scenario\.json[^\n]*; restarting/);
    expect(failing.logs.some((line) => line.msg === 'config apply rolled back: restored the last-known-good config; restarting')).toBe(true);
    expect(readFileSync(files.configFile, 'utf8')).toBe(original);
    expect(existsSync(`${files.configFile}.pending-apply`)).toBe(false);

    const recovered = spawn();
    const note = await logOf(recovered, 'config apply rolled back');
    expect(note).toMatchObject({ technician: 'alice' });
    expect(String(note.reason)).toMatch(/^start-up failed: \[E104\]/);
    await logOf(recovered, 'kiosk started');
    const console2 = await technician(recovered);
    expect(await console2.run('config')).toMatch(/last apply: +rolled-back at \S+ by alice: start-up failed: \[E104\]/);
    recovered.kill('SIGTERM');
    expect((await recovered.exited).code).toBe(0);
    expect(audits().filter((audit) => audit.transport === 'startup')).toEqual([
      expect.objectContaining({ command: 'config', args: ['apply'], outcome: 'error', errorCode: 524, technician: 'alice', detail: expect.stringMatching(/^rolled back to last-known-good: start-up failed: \[E104\]/) }),
    ]);
  });

  it('a config that starts but never reaches the broker: rolled back once the health bound passes', async () => {
    await setUp();
    const first = spawn();
    await logOf(first, 'connected to broker');
    const console1 = await technician(first);
    const nowhere = await freePort();
    await console1.run(`broker url mqtt://127.0.0.1:${nowhere}`);
    expect(await console1.run('config apply --health-timeout 1500')).toContain('does not start or reach the broker within 1.5 s');
    expect((await first.exited).code).toBe(EXIT_RESTART);

    const probation = spawn();
    await logOf(probation, 'applied config on probation: waiting for the broker connection');
    const rolledBack = await logOf(probation, 'config apply rolled back: restored the last-known-good config; restarting');
    expect(rolledBack.reason).toBe('not connected to the broker within 1.5 s of start-up');
    expect((await probation.exited).code).toBe(EXIT_RESTART);
    expect(readFileSync(files.configFile, 'utf8')).toBe(original);

    const recovered = spawn();
    await logOf(recovered, 'connected to broker');
    expect((await logOf(recovered, 'config apply rolled back')).reason).toBe('not connected to the broker within 1.5 s of start-up');
  });

  it('a healthy config stays: the marker is cleared, last-known-good keeps the previous file', async () => {
    await setUp();
    const first = spawn();
    await logOf(first, 'kiosk started');
    const console1 = await technician(first);
    await console1.run('config set broker.keepaliveSeconds 45');
    await console1.run('identity station station-9');
    await console1.run('config apply');
    expect((await first.exited).code).toBe(EXIT_RESTART);

    const second = spawn();
    await logOf(second, 'config apply confirmed');
    expect(existsSync(`${files.configFile}.pending-apply`)).toBe(false);
    expect(readFileSync(`${files.configFile}.last-good`, 'utf8')).toBe(original);
    const console2 = await technician(second);
    expect(await console2.run('identity')).toMatch(/stationId: +station-9/);
    expect(await console2.run('config get broker.keepaliveSeconds')).toContain('= 45');
    expect(await console2.run('config')).toMatch(/last apply: +applied at \S+ by alice/);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(audits().filter((audit) => audit.transport === 'startup')).toEqual([
      expect.objectContaining({ command: 'config', outcome: 'ok', errorCode: null, detail: 'applied config is healthy and stays' }),
    ]);
  });
});
