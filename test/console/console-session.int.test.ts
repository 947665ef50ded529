import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import { SETTING_FAILED_LOGINS } from '../../src/console/auth.js';
import type { ConsoleCommandPayload } from '../../src/protocol/events.js';
import { DEVICE_ID, FLEET_KEY, LABEL_PIN, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { PtyPair } from '../support/pty-pair.js';
import { PROMPT, Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** Scripted technician sessions: the kiosk's console on one end of a real PTY, the technician's terminal on the other. */
describe('technician console over a pseudo-terminal', () => {
  let dir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;

  beforeAll(async () => {
    dir = makeTempDir();
    pty = await PtyPair.create();
    running = await startConsoleKiosk(dir, pty);
    tech = new Technician(pty.devicePath);
    // connect() syncs with the console: the banner, whether it arrived or not, is behind us.
    await tech.connect();
    // Enter brings up the prompt.
    expect(await tech.run('')).toBe(`\r\n${DEVICE_ID} [locked]> `);
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    dir?.remove();
  });

  const audits = (): ConsoleCommandPayload[] => running.events().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));

  const loginWithChallenge = (technician: string): Promise<void> => tech.login(technician, (challenge) => answerWithFleetKey(FLEET_KEY, challenge));

  it('shows help and login before authentication, and nothing else', async () => {
    const help = await tech.run('help');
    for (const name of ['help', 'login', 'status', 'queue', 'logs', 'sync', 'restart']) expect(help).toContain(name);
    expect(help).toMatch(/\[locked\]> $/);

    const usage = await tech.run('help logs tail');
    expect(usage).toContain('Usage: logs tail [options] [n]');

    const denied = await tech.run('status');
    expect(denied).toContain('error: [E502] "status" needs a technician login');
    const deniedJson = await tech.run('status --json');
    expect(JSON.parse(deniedJson.split('\r\n').find((line) => line.startsWith('{'))!)).toMatchObject({ ok: false, command: 'status', error: { code: 502 } });
    expect(audits().filter((audit) => audit.command === 'status').map((audit) => audit.outcome)).toEqual(['denied', 'denied']);
  });

  it('refuses wrong PINs, locks out with a growing delay that survives nothing but success, then lets the right PIN in', async () => {
    for (const wrong of ['000000', '111111']) {
      await tech.enter('login --pin');
      await tech.expect('PIN: ');
      await tech.type(`${wrong}\r`);
      await tech.expect(/error: \[E503\] wrong PIN/);
    }
    expect(tech.transcript).not.toContain('000000');
    expect(tech.transcript).toContain('******');
    // Locked now: not even asked for a PIN.
    expect(await tech.run('login --pin')).toContain('error: [E504] locked out after 2 failed logins');
    expect(running.kiosk.settings.get(SETTING_FAILED_LOGINS)).toBe('2');

    // Wait out the delay (a condition, not a sleep), fail once more: the next delay is longer, and still refused meanwhile.
    await waitFor(async () => !(await tech.run('login --pin', /PIN: $|\[locked\]> $/)).includes('E504'), { description: 'lockout over', timeoutMs: 30_000 });
    await tech.type('222222\r');
    await tech.expect(/error: \[E503\] wrong PIN; locked out for \d+ s/);
    expect(running.kiosk.settings.get(SETTING_FAILED_LOGINS)).toBe('3');

    await waitFor(async () => !(await tech.run('login --pin', /PIN: $|\[locked\]> $/)).includes('E504'), { description: 'lockout over', timeoutMs: 30_000 });
    await tech.type(`${LABEL_PIN}\r`);
    await tech.expect('logged in with the label PIN');
    await tech.expect(`${DEVICE_ID} [label-pin]# `);
    expect(running.kiosk.settings.get(SETTING_FAILED_LOGINS)).toBeUndefined();

    const logins = audits().filter((audit) => audit.command === 'login');
    expect(logins.map((audit) => audit.outcome)).toContain('denied');
    expect(logins.at(-1)).toMatchObject({ outcome: 'ok', technician: 'label-pin', args: ['--pin'] });
    expect(JSON.stringify(audits())).not.toContain(LABEL_PIN);
    expect(await tech.run('logout')).toContain('logged out label-pin');
    // Audited as the technician who typed it, not as the nobody it leaves behind.
    expect(audits().at(-1)).toMatchObject({ command: 'logout', outcome: 'ok', technician: 'label-pin' });
  });

  it('logs in by challenge-response with the technician tool, and retires the label PIN', async () => {
    await loginWithChallenge('alice');
    expect(await tech.run('logout')).toMatch(/\[locked\]> $/);
    expect(await tech.run('login --pin')).toContain('error: [E505] the label PIN is retired');

    await tech.enter('login mallory');
    await tech.expect('response: ');
    await tech.type(`${'ab'.repeat(32)}\r`);
    await tech.expect('error: [E503] wrong response');
    await waitFor(() => running.kiosk.settings.get(SETTING_FAILED_LOGINS) === '1', { description: 'failure counted' });
    await loginWithChallenge('alice');
    expect(audits().at(-1)).toMatchObject({ command: 'login', outcome: 'ok', technician: 'alice', args: ['alice'] });
  });

  it('runs status, identity, queue stats, logs tail, sync now, with text and --json', async () => {
    const status = await tech.run('status');
    expect(status).toContain(`device:   ${DEVICE_ID} at station-test`);
    expect(status).toMatch(/broker: +down \(mqtt:\/\/127\.0\.0\.1:1\)/);
    expect(status).toMatch(/scale +running/);
    expect(status).toMatch(/queue: +\d+ unsent of \d+/);

    const json = JSON.parse((await tech.run('status --json')).split('\r\n').find((line) => line.startsWith('{'))!) as { ok: boolean; data: Record<string, unknown> };
    expect(json).toMatchObject({ ok: true, data: { identity: { deviceId: DEVICE_ID, stationId: 'station-test' }, broker: { connected: false }, depositState: expect.any(String) } });
    expect(Object.keys(json.data.devices as object).sort()).toEqual(['barcode', 'camera', 'classifier', 'gpio', 'scale']);

    expect(await tech.run('identity')).toMatch(/deviceId: +kiosk-console-0001\r\nstationId: +station-test/);
    expect(await tech.run('queue stats')).toMatch(/\d+ unsent of \d+ \(oldest \S+ old\), last seq \d+/);
    expect(await tech.run('queue')).toMatch(/unsent of/);
    const queueJson = JSON.parse((await tech.run('queue stats --json')).split('\r\n').find((line) => line.startsWith('{'))!) as { data: { unsent: number } };
    expect(queueJson.data.unsent).toBeGreaterThan(0);

    const logs = await tech.run('logs tail 5');
    expect(logs).toMatch(/INFO +\[console\] console login/);
    expect(await tech.run('logs tail 0')).toContain('error: [E501] command-argument value');

    expect(await tech.run('sync now')).toContain('broker link is down');
    expect(await tech.run('sync')).toMatch(/Usage: sync/);
  });

  it('refuses malformed and overlong lines and binary garbage with a message, and the next command works', async () => {
    expect(await tech.run('status "unterminated')).toContain('error: [E501] unterminated double quote');
    expect(await tech.run('frobnicate 123456')).toContain('error: [E501] unknown command "frobnicate"');
    expect(audits().at(-1)).toMatchObject({ command: '(unknown)', args: [], outcome: 'error', errorCode: 501 });
    expect(await tech.run('queue stats --bogus')).toContain("error: [E501] unknown option '--bogus'");

    expect(await tech.run(`status ${'x'.repeat(3000)}`)).toContain('error: line too long (max 1024 bytes); ignored');
    tech.skip();
    await tech.type(Buffer.from([0x73, 0x74, 0x00, 0xff, 0x1b, 0x5b, 0x41, 0x01, 0x02, 0xc3, 0x28, 0x0d]));
    await tech.expect('error: binary input ignored');
    await tech.expect('[alice]# ');
    expect(await tech.run('ident\x7f\x7f\x7f\x7f\x7fidentity')).toContain('deviceId:');
    expect(await tech.run('xx\x15identity')).toContain('deviceId:');
  });

  it('cancels a secret prompt with Ctrl-C', async () => {
    await tech.enter('login bob');
    await tech.expect('response: ');
    await tech.type('12\x03');
    await tech.expect('error: [E506] cancelled');
    // Still logged in as before: a cancelled login changes nothing.
    expect(await tech.run('identity')).toContain('deviceId:');
    expect(audits().at(-2)).toMatchObject({ command: 'login', outcome: 'cancelled', technician: 'alice' });
  });

  it('takes CR, LF and CRLF as one line end each, also a CRLF split over two writes', async () => {
    const from = tech.transcript.length;
    const identity = new RegExp(`^identity\\r\\ndeviceId: +${DEVICE_ID}\\r\\nstationId: +station-test\\r\\n${DEVICE_ID} \\[alice\\]# $`);
    for (const end of ['\r', '\n', '\r\n'] as const) expect(await tech.run('identity', PROMPT, { end })).toMatch(identity);
    // The CR ends the line; the LF that follows in a later write belongs to the same line end, not to a new empty line.
    expect(await tech.run('queue stats', PROMPT, { end: '\r' })).toMatch(/unsent of/);
    await tech.type('\n');
    expect(await tech.run('identity', PROMPT, { end: '\r\n' })).toMatch(identity);
    // Everything the console printed for these lines is in front of the sync marker: one prompt per command, no extra empty line.
    await tech.sync();
    const shown = tech.transcript.slice(from);
    expect(shown.split(`${DEVICE_ID} [alice]# `)).toHaveLength(5 + 1 + 1);
    expect(shown).not.toContain(`# \r\n${DEVICE_ID} [alice]# `);
  });

  it('restarts through the kiosk after auditing the command', async () => {
    expect(await tech.run('restart')).toContain('restarting');
    await waitFor(() => running.restarts.length === 1, { description: 'restart requested' });
    expect(running.restarts[0]).toContain('alice');
    expect(audits().at(-1)).toMatchObject({ command: 'restart', outcome: 'ok', technician: 'alice', detail: 'restart requested' });
  });
});

describe('technician console beside a busy kiosk', () => {
  let dir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;

  beforeAll(async () => {
    dir = makeTempDir();
    pty = await PtyPair.create();
    // Consumers keep coming (the scenario plays forever).
    running = await startConsoleKiosk(dir, pty, { passes: null, idleMs: 20 });
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.login('bob', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    dir?.remove();
  });

  it('keeps the deposit flow running while the technician types', async () => {
    const deposits = (): number => running.events().filter((event) => event.type.startsWith('deposit.')).length;
    const before = deposits();
    // Type commands back to back until two more consumers have been served meanwhile.
    await waitFor(async () => {
      expect(await tech.run('status --json')).toContain('"ok":true');
      return deposits() >= before + 2;
    }, { description: 'deposits recorded while typing', timeoutMs: 60_000, intervalMs: 1 });
  });
});

describe('technician console: idle logout', () => {
  let dir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;

  beforeAll(async () => {
    dir = makeTempDir();
    pty = await PtyPair.create();
    // An idle technician is logged out quickly. The timer runs only while logged in, so nothing before the login races it.
    running = await startConsoleKiosk(dir, pty, { idleLogoutMs: 400 });
    tech = new Technician(pty.devicePath);
    await tech.connect();
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    dir?.remove();
  });

  it('logs an idle technician out, and audits it', async () => {
    await tech.login('bob', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
    // No skip(): on a slow machine the notice may already be on the screen right after the login's prompt.
    await tech.expect('logged out: idle');
    await tech.expect(`${DEVICE_ID} [locked]> `);
    expect(await tech.run('status')).toContain('error: [E502]');
    const audits = running.events().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));
    expect(audits.some((audit) => audit.command === 'logout' && audit.args[0] === '(idle)' && audit.technician === 'bob')).toBe(true);
  });
});
