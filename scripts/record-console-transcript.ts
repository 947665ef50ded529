#!/usr/bin/env -S npx tsx
/**
 * Records a REAL first provisioning over the technician console, start to
 * finish, for docs/console.md:
 *
 *   npx tsx scripts/record-console-transcript.ts > transcript.txt
 *
 * A simulated kiosk in factory state (label PIN and technician key
 * provisioned, no broker reachable, station unassigned, scale uncalibrated)
 * with its console on one end of a real PTY (socat); the technician's
 * terminal on the other; a real mosquitto (user + password) as the backend.
 *
 * The kiosk runs in this process rather than as dist/main.js, so that the
 * script can do the technician's physical step (putting a test weight on the
 * simulated scale). Restarts follow main.ts exactly: the same apply guard
 * (src/app/config-apply-guard.ts) and supervisor run between kiosk lifetimes.
 * Lines starting with "#" in the output are the script's notes, not console output.
 * Needs /usr/sbin/mosquitto, mosquitto_passwd and socat (scripts/install-test-deps.sh).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { superviseApply } from '../src/app/apply-supervisor.js';
import { ConfigApplyGuard } from '../src/app/config-apply-guard.js';
import { Ingest } from '../src/fleet/ingest.js';
import { Kiosk } from '../src/app/kiosk.js';
import { provisionTechnicianCredentials } from '../src/console/provision.js';
import { answerWithFleetKey, deriveDeviceKey } from '../src/console/tech-key.js';
import { createSystemClock } from '../src/ops/clock.js';
import { loadDeviceConfig } from '../src/ops/config/load.js';
import { LogRing } from '../src/ops/log-ring.js';
import { createLogger, createSilentLogger } from '../src/ops/logger.js';
import { openDatabase } from '../src/store/database.js';
import { SqliteSettingsStore } from '../src/store/settings-store.js';
import { writeTestKiosk } from '../test/support/kiosk-config.js';
import { Broker } from '../test/support/mosquitto.js';
import { PtyPair } from '../test/support/pty-pair.js';
import { TestSubscriber } from '../test/support/subscriber.js';
import { Technician } from '../test/support/technician.js';
import { makeTempDir } from '../test/support/temp-dir.js';
import { waitFor } from '../test/support/wait-for.js';

const DEVICE_ID = 'kiosk-0042';
const LABEL_PIN = '482913';
const FLEET_KEY = Buffer.from('6b696f736b2d666c6565742d746563682d6b65792d666f722d74657374732121', 'hex');
const BROKER_USER = 'kiosk-0042';
const BROKER_PASSWORD = 'x7-Qm2-broker-pass';
const BACKEND_PASSWORD = 'backend-pass';

const out = (text: string): void => {
  process.stdout.write(text);
};
const note = (text: string): void => out(`\n# ${text}\n`);

const dir = makeTempDir('kiosk-transcript-');
const secrets = makeTempDir('kiosk-transcript-broker-');
execFileSync('mosquitto_passwd', ['-b', '-c', secrets.file('passwords'), BROKER_USER, BROKER_PASSWORD]);
execFileSync('mosquitto_passwd', ['-b', secrets.file('passwords'), 'backend', BACKEND_PASSWORD]);
// mosquitto started as root drops to its own user, which must read the password file.
chmodSync(secrets.path, 0o755);
chmodSync(secrets.file('passwords'), 0o644);
const broker = await Broker.create({ extraConfig: ['allow_anonymous false', `password_file ${secrets.file('passwords')}`] });
await broker.start();
// The backend: a persistent subscriber on the fleet topics, so the kiosk's events are delivered (not refused for want of a subscriber).
const backend = new TestSubscriber(`mqtt://backend:${BACKEND_PASSWORD}@127.0.0.1:${broker.port}`, 'backend-transcript', true);
await backend.connect();
// The reference backend stores the events and acknowledges them: only its acknowledgement lets the kiosk delete outbox rows.
const ingest = await Ingest.start({ url: broker.url, username: 'backend', password: BACKEND_PASSWORD, storePath: secrets.file('backend.db'), logger: createSilentLogger(), consumers: 1 });
const pty = await PtyPair.create();

// Factory state: nothing reachable at the broker address, no scenario (the world is the technician's), station unassigned.
const files = writeTestKiosk(dir, {
  brokerUrl: 'mqtt://127.0.0.1:1',
  deviceId: DEVICE_ID,
  scenario: { scenarioVersion: 1, items: [{ label: 'paper', weightGrams: 20 }] },
  overrides: { console: { port: { path: pty.driverPath, reconnect: { initialMs: 20, maxMs: 200 } } } },
});
const factory = JSON.parse(readFileSync(files.configFile, 'utf8')) as Record<string, unknown>;
delete factory.simulation;
factory.device = { id: DEVICE_ID, stationId: 'unassigned' };
writeFileSync(files.configFile, JSON.stringify(factory, null, 2));
const db = openDatabase(files.storeFile, createSilentLogger());
await provisionTechnicianCredentials(new SqliteSettingsStore(db, createSystemClock()), { pin: LABEL_PIN, deviceKey: deriveDeviceKey(FLEET_KEY, DEVICE_ID) });
db.close();

/** One kiosk lifetime, started the way main.ts starts it; resolves `restart` when it asks to be restarted. */
async function startKiosk(): Promise<{ kiosk: Kiosk; restart: Promise<string> }> {
  const guard = new ConfigApplyGuard(files.configFile);
  const { pending } = guard.beginStart();
  const { config, file } = loadDeviceConfig(files.configFile);
  const logRing = new LogRing(500);
  const logger = createLogger({ level: 'info', pretty: false }, new Writable({ write: (_chunk, _encoding, callback) => callback() }), logRing);
  let requestRestart: (reason: string) => void = () => undefined;
  const restart = new Promise<string>((resolve) => {
    requestRestart = resolve;
  });
  const kiosk = new Kiosk({ config, configFile: file, clock: createSystemClock(), logger, logRing, onRestartRequested: (reason) => requestRestart(reason) });
  await kiosk.start();
  superviseApply({ guard, pending, uplink: kiosk.uplink, store: kiosk.store, logger, onRolledBack: (reason) => requestRestart(`rollback: ${reason}`) });
  return { kiosk, restart };
}

let tech = new Technician(pty.devicePath);
let shown = 0;
/** Prints what appeared on the technician's screen since the last call. */
const flush = (): void => {
  out(tech.transcript.slice(shown).replace(/\r\n/g, '\n').replace(/\r/g, ''));
  shown = tech.transcript.length;
};
const run = async (line: string): Promise<string> => {
  const text = await tech.run(line);
  flush();
  return text;
};
const answer = async (prompt: string | RegExp, text: string): Promise<string> => {
  const seen = await tech.expect(prompt);
  await tech.type(`${text}\r`);
  return seen;
};

try {
  let { kiosk, restart } = await startKiosk();
  note(`kiosk ${DEVICE_ID} in factory state; the technician's laptop is on its console port`);
  await tech.connect();
  // connect() synced with the console (a cancelled marker line): that is not part of the session.
  shown = tech.transcript.length;
  await run('');
  await run('help');
  tech.skip();
  await tech.type('login --pin\r');
  await answer('PIN: ', LABEL_PIN);
  await tech.expect(/\[[^\]]+\][>#] $/);
  flush();
  await run('status');
  await run('identity');
  await run('identity station station-0042');
  await run(`broker url mqtt://127.0.0.1:${broker.port}`);
  await run(`broker user ${BROKER_USER}`);
  tech.skip();
  await tech.type('broker password\r');
  await answer('(not shown): ', BROKER_PASSWORD);
  await answer('again: ', BROKER_PASSWORD);
  await tech.expect(/\[[^\]]+\][>#] $/);
  flush();
  await run('broker');
  await run('net test');
  await run('config diff');
  await run('config apply');

  const reason = await restart;
  await kiosk.stop();
  await tech.disconnect();
  note(`the kiosk stops and exits 75 (${reason}); the service manager starts it again with the applied config`);
  await pty.unplug();
  await pty.replug();
  ({ kiosk, restart } = await startKiosk());
  tech = new Technician(pty.devicePath);
  await tech.connect();
  shown = tech.transcript.length;
  await run('');
  tech.skip();
  await tech.type('login alice\r');
  const challenge = (await tech.expect(/kiosk-tech\/1 challenge \S+ \S+ [0-9a-f]{32}/)).trim().split('\n').at(-1) ?? '';
  await tech.expect('response: ');
  flush();
  const response = answerWithFleetKey(FLEET_KEY, challenge);
  note(`on the laptop: npm run tech-answer -- '${challenge.slice(challenge.indexOf('kiosk-tech'))}'  ->  ${response}`);
  await tech.type(`${response}\r`);
  await tech.expect(/\[[^\]]+\][>#] $/);
  flush();
  await run('config');
  await waitFor(() => kiosk.uplink.isConnected, { description: 'broker connection', timeoutMs: 10_000 });
  await run('status');

  const world = kiosk.devices.world;
  if (!world) throw new Error('expected a simulated kiosk');
  note('the technician puts the 500 g test weight on the platform (this balance reads it as 488 g)');
  world.scale.setLoad(488);
  await waitFor(async () => /stable/.test(await tech.run('scale read')) && /48[78]/.test(tech.transcript.slice(-200)), { description: 'a stable reading', timeoutMs: 10_000 });
  flush();
  await run('scale calibrate 500');
  await run('scale read');
  note('the technician takes the weight off');
  world.scale.setLoad(0);
  await run('sync now');
  await waitFor(() => kiosk.store.stats().unsent === 0, { description: 'outbox drained', timeoutMs: 10_000 });
  await run('queue stats');
  note(`the backend received ${backend.events().length} events from ${DEVICE_ID}, the last one: ${backend.events().at(-1)?.type ?? 'none'}`);
  await run('logout');
  out('\n');
  await kiosk.stop();
} finally {
  await tech.disconnect().catch(() => undefined);
  await pty.dispose();
  await ingest.stop().catch(() => undefined);
  await backend.disconnect().catch(() => undefined);
  await broker.dispose();
  dir.remove();
  secrets.remove();
}
