import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import { DEVICE_ID, FLEET_KEY, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { Broker } from '../support/mosquitto.js';
import { PtyPair } from '../support/pty-pair.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { makeTestPki, type TestPki } from '../support/tls-certs.js';

const PASSWORD = 'Broker-s3cret-9f2';

/**
 * `broker` and `net test` over a real PTY, against real mosquittos: a plain one,
 * one that wants a user and password, and one with TLS that requires a client
 * certificate signed by a throwaway CA.
 */
describe('settings: broker credentials, certificates and net test', () => {
  let dir: TempDir;
  let pkiDir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;
  let plain: Broker;
  let withPassword: Broker;
  let tls: Broker;
  let pki: TestPki;

  beforeAll(async () => {
    dir = makeTempDir();
    pkiDir = makeTempDir('kiosk-pki-');
    pki = makeTestPki(pkiDir);
    execFileSync('mosquitto_passwd', ['-b', '-c', pkiDir.file('passwords'), 'kiosk', PASSWORD]);
    chmodSync(pkiDir.file('passwords'), 0o644);
    plain = await Broker.create();
    // mosquitto takes the last value of a repeated option: anonymous clients are refused here.
    withPassword = await Broker.create({ extraConfig: ['allow_anonymous false', `password_file ${pkiDir.file('passwords')}`] });
    tls = await Broker.create({
      extraConfig: [`cafile ${pki.files.caCert}`, `certfile ${pki.files.serverCert}`, `keyfile ${pki.files.serverKey}`, 'require_certificate true'],
    });
    await Promise.all([plain.start(), withPassword.start(), tls.start()]);
    pty = await PtyPair.create();
    running = await startConsoleKiosk(dir, pty);
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.login('alice', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    await Promise.all([plain?.dispose(), withPassword?.dispose(), tls?.dispose()]);
    dir?.remove();
    pkiDir?.remove();
  });

  const json = (screen: string): { ok: boolean; data: Record<string, any> } => // any: each test reads different fields of the report
    JSON.parse(screen.split('\r\n').find((line) => line.startsWith('{'))!) as { ok: boolean; data: Record<string, any> }; // any: as above
  const configDir = (): string => dirname(running.files.configFile);

  /** Types a command that asks for PEM, then pastes it line by line as a terminal would. */
  async function paste(command: string, pem: string): Promise<string> {
    await tech.enter(`${command}`);
    await tech.expect(/paste the [^\r]*\r\n/);
    await tech.type(`${pem.trim().split('\n').join('\r')}\r`);
    return tech.expect(/\[alice\]# $/);
  }

  it('shows the running broker settings without secrets', async () => {
    const shown = await tech.run('broker');
    expect(shown).toMatch(/settings: running\r\nurl: +mqtt:\/\/127\.0\.0\.1:1\r\nuser: +none\r\npassword: none\r\nca: +none/);
    expect(json(await tech.run('broker --json')).data).toMatchObject({ source: 'running', password: false, ca: null, cert: null, key: null });
    // A setter without a value shows the current one (Tasmota/ESPHome habit), not a usage error.
    expect(await tech.run('broker url')).toMatch(/^broker url\r\nbroker\.url = "mqtt:\/\/127\.0\.0\.1:1"\r\n\S+ \[alice\]# $/);
    expect(await tech.run('broker user')).toMatch(/^broker user\r\nbroker\.username = none\r\n\S+ \[alice\]# $/);
    expect(json(await tech.run('broker url --json'))).toMatchObject({ ok: true, data: { path: 'broker.url', value: 'mqtt://127.0.0.1:1', source: 'running' } });
  });

  it('net test reports the failing step against the running (offline) settings', async () => {
    const report = await tech.run('net test --timeout 2000');
    expect(report).toContain('net test with the running settings: mqtt://127.0.0.1:1');
    expect(report).toMatch(/dns: +ok +127\.0\.0\.1 \(literal address\)/);
    expect(report).toMatch(/tcp: +FAIL +connect ECONNREFUSED 127\.0\.0\.1:1/);
    expect(report).toContain('result: FAILED at tcp');
  });

  it('net test reaches a plain broker with the staged URL: CONNACK success', async () => {
    expect(await tech.run(`broker url ${plain.url}`)).toContain(`staged broker.url = ${plain.url}`);
    const report = json(await tech.run('net test --json'));
    expect(report.data).toMatchObject({ source: 'staged', ok: true, tcp: { ok: true }, tls: { skipped: true }, mqtt: { ok: true, reasonCode: 0, reason: 'success' } });
    expect(await tech.run('net test')).toMatch(/mqtt: +ok +CONNACK 0x00 success/);
  });

  it('stages a password asked twice without echo, and reports a bad one as the CONNACK reason', async () => {
    await tech.run(`broker url ${withPassword.url}`);
    await tech.run('broker user kiosk');
    expect(await tech.run('broker user')).toContain('broker.username = "kiosk" (staged; running: none; "config apply" applies it)\r\n');
    expect(await tech.run('broker url')).toContain(`broker.url = "${withPassword.url}" (staged; running: "mqtt://127.0.0.1:1"; "config apply" applies it)\r\n`);
    expect(json(await tech.run('broker user --json')).data).toEqual({ path: 'broker.username', value: 'kiosk', source: 'staged', running: null });
    await tech.enter('broker password');
    await tech.expect('broker password (not shown): ');
    await tech.type('wrong-password\r');
    await tech.expect('again: ');
    await tech.type('wrong-password\r');
    await tech.expect('[alice]# ');
    expect(await tech.run('net test')).toMatch(/mqtt: +FAIL +CONNACK 0x8(6 bad user name or password|7 not authorized)[\s\S]*result: FAILED at mqtt/);

    await tech.enter('broker password');
    await tech.expect('(not shown): ');
    await tech.type(`${PASSWORD}\r`);
    await tech.expect('again: ');
    await tech.type('a-typo\r');
    await tech.expect('error: [E525] the two passwords differ; nothing staged');

    await tech.enter('broker password');
    await tech.expect('(not shown): ');
    await tech.type(`${PASSWORD}\r`);
    await tech.expect('again: ');
    await tech.type(`${PASSWORD}\r`);
    await tech.expect('staged broker.password = [set]');
    expect(await tech.run('net test')).toMatch(/mqtt: +ok +CONNACK 0x00 success/);
    expect(await tech.run('broker')).toMatch(/settings: staged \(not applied yet\)[\s\S]*user: +kiosk\r\npassword: \[set\]/);
    expect(await tech.run('config diff')).toContain('+ broker.password: "[set]"');
  });

  it('validates pasted PEM: refuses garbage, warns on a certificate that does not match the key, stores 0600 files', async () => {
    expect(await paste('broker ca', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----')).toContain('error: [E522] not a valid X.509 certificate');
    const ca = await paste('broker ca', pki.caCert);
    expect(ca).toMatch(/staged CA certificate: subject CN=Kiosk Test CA, expires \d{4}-\d\d-\d\d, sha256:[0-9a-f]{64}/);

    const key = await paste('broker key', pki.clientKey);
    expect(key).toMatch(/staged client private key: (EC|ec), sha256:[0-9a-f]{64}/);
    expect(key).toContain('warning: paste the matching certificate (broker cert) before config apply');
    // Half a pair staged: still shown, and apply refuses it.
    expect(await tech.run('broker')).toMatch(/cert: +none\r\nkey: +(EC|ec), sha256:/);
    expect(await tech.run('config apply')).toContain('error: [E520] refused: broker.certFile: a client certificate needs its key');
    // The key itself never appears on the screen.
    const keyBody = pki.clientKey.split('\n')[1]!;
    expect(tech.transcript).not.toContain(keyBody);

    expect(await paste('broker cert', pki.serverCert)).toContain('warning: does not match the staged key');
    expect(await tech.run('config apply')).toContain('error: [E522] the staged client certificate and key do not match');
    const cert = await paste('broker cert', pki.clientCert);
    expect(cert).toMatch(/staged client certificate: subject CN=kiosk-console-0001/);
    expect(cert).not.toContain('warning');

    const stored = readdirSync(configDir()).filter((name) => /^broker-(ca|cert|key)-[0-9a-f]{16}\.pem$/.test(name));
    // The mismatching certificate was replaced and its file pruned: one file each.
    expect(stored.map((name) => name.split('-')[1]).sort()).toEqual(['ca', 'cert', 'key']);
    for (const name of stored) expect(statSync(join(configDir(), name)).mode & 0o777).toBe(0o600);
    const shown = await tech.run('broker');
    expect(shown).toMatch(/ca: +subject CN=Kiosk Test CA/);
    expect(shown).toMatch(/key: +(EC|ec), sha256:/);
  });

  it('net test over TLS: protocol, peer certificate, verification against the pasted CA, client certificate accepted', async () => {
    await tech.run(`broker url mqtts://127.0.0.1:${tls.port}`);
    // The TLS broker takes anyone with a client certificate: no user, no password (an empty answer removes it).
    await tech.run('broker user --clear');
    expect(await tech.run('net test')).toMatch(/mqtt: +FAIL +Username is required to use password/);
    await tech.enter('broker password');
    await tech.expect('(not shown): ');
    await tech.type('\r');
    await tech.expect('staged broker.password = (removed)');
    const report = json(await tech.run('net test --json'));
    expect(report.data.tls).toMatchObject({ ok: true, verified: true, verifyError: null, peerSubject: 'CN=localhost', peerIssuer: 'CN=Kiosk Test CA' });
    expect(report.data.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(report.data.tls.daysLeft).toBeGreaterThanOrEqual(28);
    expect(report.data.mqtt, JSON.stringify(report.data.mqtt)).toMatchObject({ ok: true, reasonCode: 0 });
    expect(await tech.run('net test')).toMatch(/tls: +ok +TLSv1\.[23], peer CN=localhost, expires \d{4}-\d\d-\d\d \(\d+ days\), verified/);

    // Without the CA the same broker is not trusted, and the report says why instead of failing blindly.
    await tech.run('broker ca --clear');
    const untrusted = await tech.run('net test');
    expect(untrusted).toMatch(/tls: +FAIL .*NOT verified: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)/);
    expect(untrusted).toContain('result: FAILED at tls');
  });

  it('never lets a secret reach the audit, the logs or the screen', async () => {
    const events = JSON.stringify(running.events());
    const logs = await tech.run('logs tail 200');
    for (const secret of [PASSWORD, 'wrong-password', pki.clientKey.split('\n')[1]!]) {
      expect(events).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(tech.transcript).not.toContain(secret);
    }
    const brokerAudits = running.events().flatMap((event) => (event.type === 'console.command' && event.payload.command === 'broker' ? [event.payload] : []));
    expect(brokerAudits.find((audit) => audit.args[0] === 'password' && audit.outcome === 'ok')).toMatchObject({ detail: 'staged broker.password', technician: 'alice' });
    expect(brokerAudits.find((audit) => audit.args[0] === 'key')?.detail).toMatch(/^staged broker key sha256:[0-9a-f]{64}$/);
    // The candidate file holds what may be secret (it held the password until it was removed): only the runtime's user may read it.
    expect(statSync(`${running.files.configFile}.candidate`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${running.files.configFile}.candidate`, 'utf8')).not.toContain(PASSWORD);
    expect(readFileSync(running.files.configFile, 'utf8')).toContain(`"id": "${DEVICE_ID}"`);
  });
});
