import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_SCALE_CALIBRATION } from '../../src/app/scale-calibration.js';
import { SETTING_DEVICE_KEY, SETTING_PIN_HASH, SETTING_PIN_RETIRED } from '../../src/console/auth.js';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import { SETTING_CHAMBER_REFERENCE_PATH } from '../../src/app/console-devices/camera-console.js';
import { DEVICE_ID, FLEET_KEY, LABEL_PIN, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { PtyPair } from '../support/pty-pair.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { makeTestPki } from '../support/tls-certs.js';
import { waitFor } from '../support/wait-for.js';

const PASSWORD = 'Reset-me-s3cret-71';

/** Every file under `path`, recursively. */
function filesUnder(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(path, entry.name)) : [join(path, entry.name)]));
}

describe('settings: factory-reset', () => {
  let dir: TempDir;
  let pkiDir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;

  beforeAll(async () => {
    dir = makeTempDir();
    pkiDir = makeTempDir('kiosk-pki-');
    pty = await PtyPair.create();
    running = await startConsoleKiosk(dir, pty);
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.run('');
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    dir?.remove();
    pkiDir?.remove();
  });

  async function loginWithChallenge(): Promise<void> {
    await tech.enter('login alice');
    const challenge = await tech.expect(/kiosk-tech\/1 challenge \S+ \S+ [0-9a-f]{32}/);
    await tech.expect('response: ');
    await tech.type(`${answerWithFleetKey(FLEET_KEY, challenge)}\r`);
    await tech.expect('[alice]# ');
  }

  it('puts secrets, calibration and a reference image on the kiosk first', async () => {
    await loginWithChallenge();
    expect(running.kiosk.settings.get(SETTING_PIN_RETIRED)).toBeDefined();
    await tech.run('broker user kiosk');
    await tech.enter('broker password');
    await tech.expect('(not shown): ');
    await tech.type(`${PASSWORD}\r`);
    await tech.expect('again: ');
    await tech.type(`${PASSWORD}\r`);
    await tech.expect('[alice]# ');
    await tech.enter('broker ca');
    await tech.expect(/paste the [^\r]*\r\n/);
    await tech.type(`${makeTestPki(pkiDir).caCert.trim().split('\n').join('\r')}\r`);
    await tech.expect('[alice]# ');
    expect(await tech.run('config apply --no-broker-check')).toContain('applied 3 change(s)');
    await waitFor(() => running.restarts.length === 1, { description: 'restart requested' });
    expect(readFileSync(running.files.configFile, 'utf8')).toContain(PASSWORD);
    await tech.run('config set log.level debug');

    running.kiosk.settings.set(SETTING_SCALE_CALIBRATION, JSON.stringify({ factor: 1.01, knownGrams: 500, calibratedAt: new Date().toISOString() }));
    const reference = dir.file('data/chamber-reference.jpg');
    writeFileSync(reference, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    running.kiosk.settings.set(SETTING_CHAMBER_REFERENCE_PATH, reference);
  });

  it('refuses without the typed device id, and cancels unless the loss of unsent events is confirmed', async () => {
    const before = readFileSync(running.files.configFile, 'utf8');
    await tech.enter('factory-reset');
    await tech.expect(`type the device id (${DEVICE_ID}) to confirm: `);
    await tech.type('kiosk-console-0002\r');
    await tech.expect('error: [E525] confirmation did not match the device id; nothing changed');

    await tech.enter('factory-reset');
    await tech.expect('to confirm: ');
    await tech.type(`${DEVICE_ID}\r`);
    const asked = await tech.expect(/(\d+) event\(s\) are not sent yet\. Type (\d+) to erase them too, "keep" to keep the outbox, anything else cancels: /);
    expect(Number(/(\d+) event/.exec(asked)![1])).toBeGreaterThan(0);
    await tech.type('yes\r');
    await tech.expect('error: [E525] cancelled; nothing changed');
    expect(readFileSync(running.files.configFile, 'utf8')).toBe(before);
    expect(existsSync(`${running.files.configFile}.candidate`)).toBe(true);
    expect(running.restarts).toHaveLength(1);
  });

  it('wipes every secret, calibration, reference, staged file and the confirmed events, re-arms the label PIN, restarts', async () => {
    const { lastSeq, unsent } = running.kiosk.store.stats();
    await tech.enter('factory-reset');
    await tech.expect('to confirm: ');
    await tech.type(`${DEVICE_ID}\r`);
    const asked = await tech.expect(/(\d+) event\(s\) are not sent yet/);
    const count = Number(/(\d+) event/.exec(asked)![1]);
    expect(count).toBe(unsent);
    await tech.expect('cancels: ');
    await tech.type(`${count}\r`);
    const done = await tech.expect('[alice]# ');
    expect(done).toContain('wiped: broker.password');
    expect(done).toContain('wiped: broker.caFile');
    expect(done).toContain(`wiped: outbox (${count} events)`);
    expect(done).toContain('kept:  technician device key');
    expect(done).toContain('restarting in factory state');
    await waitFor(() => running.restarts.length === 2, { description: 'restart requested' });

    const live = JSON.parse(readFileSync(running.files.configFile, 'utf8')) as { device: { id: string }; broker: Record<string, unknown> };
    expect(live.device.id).toBe(DEVICE_ID);
    expect(Object.keys(live.broker).sort()).toEqual(['connectTimeoutMs', 'reconnect', 'url']);
    const configDir = dirname(running.files.configFile);
    expect(readdirSync(configDir).filter((name) => /^broker-|\.candidate$|\.last-good$|\.pending-apply$|\.apply-result$/.test(name))).toEqual([]);
    expect(running.kiosk.settings.get(SETTING_SCALE_CALIBRATION)).toBeUndefined();
    expect(running.kiosk.settings.get(SETTING_CHAMBER_REFERENCE_PATH)).toBeUndefined();
    expect(existsSync(dir.file('data/chamber-reference.jpg'))).toBe(false);
    expect(running.kiosk.settings.get(SETTING_PIN_RETIRED)).toBeUndefined();
    expect(running.kiosk.settings.get(SETTING_PIN_HASH)).toBeDefined();
    expect(running.kiosk.settings.get(SETTING_DEVICE_KEY)).toBeDefined();
    // The confirmed events are gone; only what was written after the confirmation (this command's audit) remains.
    expect(running.events().every((event) => event.seq > lastSeq)).toBe(true);
    expect(running.events().at(-1)).toMatchObject({ type: 'console.command', payload: { command: 'factory-reset', outcome: 'ok', technician: 'alice' } });
    // …and the backend is told which seqs will never come, so its watermark can pass them.
    const erasure = running.events().find((event) => event.type === 'outbox.erased');
    expect(erasure).toMatchObject({ payload: { fromSeq: 1, erased: count, reason: 'factory-reset', technician: 'alice' } });
    expect((erasure?.payload as { throughSeq: number }).throughSeq).toBeGreaterThanOrEqual(lastSeq);
    expect(running.kiosk.store.stats().lastSeq).toBeGreaterThan(lastSeq);

    // Nothing secret is left in any file of the kiosk (config directory, database, WAL).
    for (const file of filesUnder(dir.path)) expect(readFileSync(file).includes(PASSWORD), file).toBe(false);

    // The label PIN works again, as on the day the kiosk left the factory.
    await tech.run('logout');
    await tech.enter('login --pin');
    await tech.expect('PIN: ');
    await tech.type(`${LABEL_PIN}\r`);
    await tech.expect('logged in with the label PIN');
  });
});
