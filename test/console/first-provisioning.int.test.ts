import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { MtSicsSimulator } from '../../src/hardware/scale/mt-sics-simulator.js';
import { SerialPortLink } from '../../src/hardware/serial/serial-port-link.js';
import type { DeviceConfigInput } from '../../src/ops/config/schema.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import type { ConsoleCommandPayload, KioskEvent } from '../../src/protocol/events.js';
import { writeTestKiosk, type TestKioskFiles } from '../support/kiosk-config.js';
import { KioskProcess } from '../support/kiosk-process.js';
import { Broker } from '../support/mosquitto.js';
import { projectRoot } from '../support/paths.js';
import { PtyPair } from '../support/pty-pair.js';
import { TestSubscriber } from '../support/subscriber.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { consolePortOpen, EXIT_RESTART, logOf, PROCESS_START_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS, whileRunning } from './console-process.js';

const execFileAsync = promisify(execFile);

const DEVICE_ID = 'kiosk-0042';
const STATION_ID = 'station-0042';
const LABEL_PIN = '482913';
const FLEET_KEY_HEX = '6b696f736b2d666c6565742d746563682d6b65792d666f722d74657374732121';
const BROKER_USER = 'kiosk-0042';
const BROKER_PASSWORD = 'x7-Qm2-broker-pass';
const BACKEND_PASSWORD = 'backend-pass-3e1';
/** What the test weight really weighs, and what this (uncalibrated) balance reads for it. */
const TEST_WEIGHT_GRAMS = 500;
const READ_AS_GRAMS = 488;

/**
 * The "done when", end to end: a technician takes a kiosk from factory
 * state to provisioned, calibrated and syncing, using only the serial console.
 *
 * Everything is the real thing: the compiled runtime (dist/main.js) as a
 * process, restarted by the test on exit 75 as systemd would; its console on a
 * PTY (socat) with the technician's terminal on the other end; its database
 * provisioned at the factory by scripts/provision-console.ts; challenge-response
 * answered by scripts/tech-answer.ts; its scale the real MT-SICS driver on a
 * second PTY, with a simulated balance on the far end (the test weight is a
 * load on it); a mosquitto that wants a user and password; and the reference
 * backend (src/fleet/ingest.ts), whose acknowledgements let the kiosk empty its
 * outbox, with a subscriber watching what reaches the broker.
 */
describe('first provisioning over the serial console, from factory state to syncing', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let dir: TempDir;
  let secrets: TempDir;
  let broker: Broker;
  let consolePty: PtyPair;
  let scalePty: PtyPair;
  let balance: MtSicsSimulator;
  let files: TestKioskFiles;
  let backend: TestSubscriber | undefined;
  let ingest: Ingest | undefined;
  let tech: Technician | undefined;
  const processes: KioskProcess[] = [];

  beforeEach(async () => {
    dir = makeTempDir('kiosk-first-provisioning-');
    secrets = makeTempDir('kiosk-first-provisioning-broker-');
    execFileSync('mosquitto_passwd', ['-b', '-c', secrets.file('passwords'), BROKER_USER, BROKER_PASSWORD]);
    execFileSync('mosquitto_passwd', ['-b', secrets.file('passwords'), 'backend', BACKEND_PASSWORD]);
    // mosquitto started as root drops to its own user, which must read the password file.
    chmodSync(secrets.path, 0o755);
    chmodSync(secrets.file('passwords'), 0o644);
    broker = await Broker.create({ extraConfig: ['allow_anonymous false', `password_file ${secrets.file('passwords')}`] });
    await broker.start();
    backend = new TestSubscriber(`mqtt://backend:${BACKEND_PASSWORD}@127.0.0.1:${broker.port}`, 'backend-first-provisioning', true);
    await backend.connect();
    ingest = await Ingest.start({ url: broker.url, username: 'backend', password: BACKEND_PASSWORD, storePath: dir.file('backend.db'), logger: createSilentLogger(), consumers: 1, clientIdPrefix: 'ingest-first-provisioning' });

    consolePty = await PtyPair.create();
    scalePty = await PtyPair.create();
    balance = new MtSicsSimulator(new SerialPortLink({ path: scalePty.devicePath, baudRate: 9600, reconnect: { initialMs: 20, maxMs: 200 }, presenceCheckMs: 50, logger: createSilentLogger() }), {
      readingIntervalMs: 20,
      noiseGrams: 0.05,
    });
    await balance.start();

    // Factory state: no broker reachable, station unassigned, scale uncalibrated, no scenario (the world is the technician's).
    files = writeTestKiosk(dir, {
      brokerUrl: 'mqtt://127.0.0.1:1',
      deviceId: DEVICE_ID,
      scenario: { scenarioVersion: 1, items: [] },
      overrides: { console: { port: { path: consolePty.driverPath, reconnect: { initialMs: 20, maxMs: 200 } } } },
    });
    const config = JSON.parse(readFileSync(files.configFile, 'utf8')) as DeviceConfigInput;
    delete config.simulation;
    config.device = { id: DEVICE_ID, stationId: 'unassigned' };
    config.hardware.scale = { kind: 'serial', path: scalePty.driverPath, baudRate: 9600, protocol: 'mt-sics', mode: 'poll', pollIntervalMs: 20, reconnect: { initialMs: 20, maxMs: 200 } };
    writeFileSync(files.configFile, JSON.stringify(config, null, 2));

    // At the factory: the label PIN and this kiosk's technician key, with the real provisioning tool.
    writeFileSync(dir.file('label-pin.txt'), `${LABEL_PIN}\n`);
    writeFileSync(dir.file('fleet-tech.key'), `${FLEET_KEY_HEX}\n`);
    const provisioned = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'scripts', 'provision-console.ts'), '--db', files.storeFile, '--device-id', DEVICE_ID, '--pin-file', dir.file('label-pin.txt'), '--fleet-key-file', dir.file('fleet-tech.key')],
      { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 },
    );
    expect(provisioned.stdout).toBe(`provisioned console credentials for ${DEVICE_ID} in ${files.storeFile}\n`);
  });

  afterEach(async () => {
    await tech?.disconnect();
    tech = undefined;
    for (const kiosk of processes.splice(0)) await kiosk.dispose();
    await balance?.stop();
    await ingest?.stop();
    ingest = undefined;
    await backend?.disconnect();
    backend = undefined;
    await broker?.dispose();
    await consolePty?.dispose();
    await scalePty?.dispose();
    dir?.remove();
    secrets?.remove();
  });

  /** Starts the runtime the way the service manager does (after the previous one has exited). */
  async function startKiosk(): Promise<KioskProcess> {
    const kiosk = new KioskProcess(files.configFile);
    processes.push(kiosk);
    await whileRunning(kiosk, 'it started', logOf(kiosk, 'kiosk started'));
    await whileRunning(kiosk, 'its console port was open', consolePortOpen(kiosk, consolePty.driverPath));
    return kiosk;
  }

  /** The technician tool on the laptop, as a process: the challenge line in, the response out. */
  async function techAnswer(challenge: string): Promise<string> {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'tech-answer.ts'), '--key-file', dir.file('fleet-tech.key'), challenge], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(stderr).toBe('');
    return stdout.trim();
  }

  /** The kiosk's outbox as the backend team would inspect it (read-only, beside the running kiosk). */
  function outbox(): { held: number; lastSeq: number } {
    const db = new Database(files.storeFile, { readonly: true, fileMustExist: true });
    try {
      const held = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
      const lastSeq = Number((db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: number | string }).value);
      return { held, lastSeq };
    } finally {
      db.close();
    }
  }

  /** Reads the scale from the console until a stable reading is within 1 g of `grams` (the load cell settles in steps). */
  async function readsAbout(terminal: Technician, grams: number): Promise<number> {
    return waitFor(
      async () => {
        const match = /^scale read\r\n(-?\d+(?:\.\d+)?) g stable/.exec(await terminal.run('scale read'));
        const read = Number(match?.[1]);
        return match && Math.abs(read - grams) < 1 ? read : undefined;
      },
      { description: `a stable reading of about ${grams} g on the console`, timeoutMs: PROCESS_START_TIMEOUT_MS },
    );
  }

  it('label PIN, station and broker set, net test, config apply with a restart, challenge-response login, calibration, sync: the backend has every event', async () => {
    // --- Day one at the station: the kiosk as it left the factory. ---
    const factory = await startKiosk();
    const terminal = new Technician(consolePty.devicePath);
    tech = terminal;
    await terminal.connect();
    expect(await terminal.run('')).toBe(`\r\n${DEVICE_ID} [locked]> `);
    expect(await terminal.run('status')).toContain('error: [E502] "status" needs a technician login');

    await terminal.enter('login --pin');
    await terminal.expect('PIN: ');
    await terminal.type(`${LABEL_PIN}\r`);
    await terminal.expect('******\r\nlogged in with the label PIN');
    await terminal.expect(`${DEVICE_ID} [label-pin]# `);

    const status = await terminal.run('status');
    expect(status).toContain(`device:   ${DEVICE_ID} at unassigned`);
    expect(status).toMatch(/broker: +down \(mqtt:\/\/127\.0\.0\.1:1\)/);
    expect(status).toMatch(/scale +running/);
    expect(await terminal.run('identity station')).toContain('device.stationId = "unassigned"');
    expect(await terminal.run(`identity station ${STATION_ID}`)).toContain(`staged device.stationId = "${STATION_ID}" (1 change(s) staged`);
    expect(await terminal.run(`broker url ${broker.url}`)).toContain(`staged broker.url = ${broker.url} (2 change(s) staged`);
    expect(await terminal.run(`broker user ${BROKER_USER}`)).toContain(`staged broker.username = "${BROKER_USER}" (3 change(s) staged`);
    await terminal.enter('broker password');
    await terminal.expect('broker password (not shown): ');
    await terminal.type(`${BROKER_PASSWORD}\r`);
    await terminal.expect('again: ');
    await terminal.type(`${BROKER_PASSWORD}\r`);
    await terminal.expect('staged broker.password = [set] (4 change(s) staged');
    await terminal.expect(`${DEVICE_ID} [label-pin]# `);

    const net = await terminal.run('net test');
    expect(net).toContain(`net test with the staged settings: ${broker.url}`);
    expect(net).toMatch(/tcp: +ok +connected to 127\.0\.0\.1:\d+/);
    expect(net).toMatch(/mqtt: +ok +CONNACK 0x00 success/);
    expect(net).toContain('result: broker reachable');

    const applied = await terminal.run('config apply');
    expect(applied).toContain('applied 4 change(s); the previous config is kept as last-known-good');
    expect(applied).toContain('restarting: if the kiosk does not start or reach the broker within 60 s it rolls back to last-known-good by itself');
    expect((await factory.exited).code).toBe(EXIT_RESTART);

    // --- The service manager starts it again; the technician's terminal stays on the cable and sees it come back. ---
    const provisioned = new KioskProcess(files.configFile);
    processes.push(provisioned);
    await whileRunning(provisioned, 'its banner on the terminal', terminal.expect(`console on ${DEVICE_ID}. Type "help".\r\n${DEVICE_ID} [locked]> `, PROCESS_START_TIMEOUT_MS));
    await whileRunning(provisioned, 'it confirmed the applied config', logOf(provisioned, 'config apply confirmed'));

    await terminal.login('alice', techAnswer);
    expect(await terminal.run('config')).toMatch(/staged: +nothing\r\nprobation: +none\r\nlast apply: +applied at \S+ by label-pin/);
    const running = await terminal.run('status');
    expect(running).toContain(`device:   ${DEVICE_ID} at ${STATION_ID}`);
    expect(running).toContain(`broker:   up (${broker.url})`);
    // Challenge-response retired the label PIN.
    expect(await terminal.run('logout')).toContain('logged out alice');
    expect(await terminal.run('login --pin')).toContain('error: [E505] the label PIN is retired');
    await terminal.login('alice', techAnswer);

    // --- Calibration with the 500 g test weight, which this balance reads as 488 g. ---
    expect(await terminal.run('scale')).toContain('calibration: factor 1 (from device-config)');
    balance.setLoad(READ_AS_GRAMS);
    await readsAbout(terminal, READ_AS_GRAMS);
    const calibrated = await terminal.run(`scale calibrate ${TEST_WEIGHT_GRAMS}`);
    const factor = Number(/calibration factor 1 -> (\S+) \(known weight 500 g, balance B123456789\)/.exec(calibrated)?.[1]);
    expect(factor).toBeCloseTo(TEST_WEIGHT_GRAMS / READ_AS_GRAMS, 3);
    expect(calibrated).toContain('saved as setting scale.calibration; applied again at every start');
    await readsAbout(terminal, TEST_WEIGHT_GRAMS);
    balance.setLoad(0);
    await readsAbout(terminal, 0);

    // --- Syncing: everything the kiosk wrote since the factory, its console's audit events included, reaches the backend. ---
    expect(await terminal.run('sync now')).toMatch(/^sync now\r\nsync nudged; \d+ unsent\r\n/);
    await waitFor(async () => /^queue stats\r\n0 unsent of 0 \(nothing waiting\)/.test(await terminal.run('queue stats')), {
      description: 'the console showing an empty outbox',
      timeoutMs: PROCESS_START_TIMEOUT_MS,
    });
    expect(await terminal.run('logout')).toContain('logged out alice');
    await waitFor(() => outbox().held === 0, { description: 'the outbox emptied by the backend acknowledgement', timeoutMs: PROCESS_START_TIMEOUT_MS });
    const { lastSeq } = outbox();
    const events = (): KioskEvent[] => (backend?.events() ?? []).filter((event) => event.deviceId === DEVICE_ID);
    const seqs = new Set(events().map((event) => event.seq));
    expect([...Array(lastSeq).keys()].map((index) => index + 1).filter((seq) => !seqs.has(seq))).toEqual([]);
    expect(ingest?.progress(DEVICE_ID)).toMatchObject({ ackedSeq: lastSeq, conflicts: 0 });

    const audits: ConsoleCommandPayload[] = events().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));
    const seen = (command: string, technician: string | null, args?: string[]): boolean =>
      audits.some((audit) => audit.command === command && audit.technician === technician && audit.outcome === 'ok' && (args === undefined || JSON.stringify(audit.args) === JSON.stringify(args)));
    expect(seen('login', 'label-pin', ['--pin'])).toBe(true);
    expect(seen('identity', 'label-pin', ['station', STATION_ID])).toBe(true);
    expect(seen('broker', 'label-pin', ['url', broker.url])).toBe(true);
    expect(seen('broker', 'label-pin', ['password'])).toBe(true);
    expect(seen('net', 'label-pin', ['test'])).toBe(true);
    expect(seen('config', 'label-pin', ['apply'])).toBe(true);
    // The start under the applied config reports its outcome as an audit event of its own.
    expect(audits.some((audit) => audit.transport === 'startup' && audit.command === 'config' && audit.detail === 'applied config is healthy and stays')).toBe(true);
    expect(seen('login', 'alice', ['alice'])).toBe(true);
    expect(seen('scale', 'alice', ['calibrate', String(TEST_WEIGHT_GRAMS)])).toBe(true);
    expect(seen('sync', 'alice', ['now'])).toBe(true);
    expect(seen('logout', 'alice')).toBe(true);
    expect(audits.every((audit) => audit.transport === 'startup' || audit.transport === `serial:${consolePty.driverPath}`)).toBe(true);
    // No secret went over the wire, nor onto the screen.
    const wire = JSON.stringify(events());
    for (const secret of [BROKER_PASSWORD, LABEL_PIN]) {
      expect(wire).not.toContain(secret);
      expect(terminal.transcript).not.toContain(secret);
    }

    provisioned.kill('SIGTERM');
    expect((await provisioned.exited).code).toBe(0);
  });
});
