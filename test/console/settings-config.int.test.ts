import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import type { ConsoleCommandPayload } from '../../src/protocol/events.js';
import { DEVICE_ID, FLEET_KEY, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { PtyPair } from '../support/pty-pair.js';
import { Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** `config`, `identity` over a real PTY: staged, validated, diffed and applied to the files, with last-known-good kept. */
describe('settings: config and identity staged and applied', () => {
  let dir: TempDir;
  let pty: PtyPair;
  let running: ConsoleKiosk;
  let tech: Technician;
  let original: string;

  beforeAll(async () => {
    dir = makeTempDir();
    pty = await PtyPair.create();
    running = await startConsoleKiosk(dir, pty);
    original = readFileSync(running.files.configFile, 'utf8');
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.login('alice', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await pty?.dispose();
    dir?.remove();
  });

  const audits = (): ConsoleCommandPayload[] => running.events().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));
  const json = (screen: string): { ok: boolean; data: Record<string, unknown>; error?: { code: number; message: string } } =>
    JSON.parse(screen.split('\r\n').find((line) => line.startsWith('{'))!) as { ok: boolean; data: Record<string, unknown> };
  const candidateFile = (): string => `${running.files.configFile}.candidate`;

  it('shows the running config with secrets redacted, and single values', async () => {
    expect(await tech.run('config')).toMatch(/staged: +nothing/);
    const shown = json(await tech.run('config show --json'));
    expect(shown).toMatchObject({ ok: true, data: { source: 'running', config: { device: { id: DEVICE_ID }, broker: { keepaliveSeconds: 30 } } } });
    expect(await tech.run('config show')).toContain(`"id": "${DEVICE_ID}"`);
    expect(await tech.run('config get broker.keepaliveSeconds')).toContain('broker.keepaliveSeconds = 30');
    expect(json(await tech.run('config get device --json')).data).toEqual({ path: 'device', value: { id: DEVICE_ID, stationId: 'station-test' } });
    expect(await tech.run('config get broker.nothing')).toContain('error: [E520] no field broker.nothing in the running config');
  });

  it('refuses what the schema refuses, naming the field, and never stages it', async () => {
    expect(await tech.run('config set broker.keepaliveSeconds 2')).toMatch(/error: \[E520\] refused: broker\.keepaliveSeconds: Too small/);
    expect(await tech.run('config set device.colour green')).toContain('error: [E520] refused: device: Unrecognized key: "colour"');
    expect(await tech.run('config set broker.url http://example.invalid')).toContain('error: [E520] refused: broker.url: an mqtt:// or mqtts:// URL');
    expect(await tech.run('config set deposit.itemSensor door-lock')).toContain('deposit.itemSensor: GPIO line "door-lock" must be an input');
    expect(await tech.run('config set broker.password hunter2')).toContain('error: [E520] broker.password is a secret: use "broker password"');
    expect(await tech.run('config set broker.url mqtt://u:hunter2@example.net')).toContain('no credentials in a URL');
    expect(await tech.run('config diff')).toContain('error: [E521] nothing staged');
    expect(existsSync(candidateFile())).toBe(false);
    expect(JSON.stringify(audits())).not.toContain('hunter2');
    expect(audits().find((audit) => audit.args[1] === 'broker.password')?.args).toEqual(['set', 'broker.password', '[redacted]']);
  });

  it('stages typed values and identity, diffs them against the live file, and keeps the running config', async () => {
    // A setter without a value shows the current one (Tasmota/ESPHome habit).
    expect(await tech.run('identity station')).toMatch(/^identity station\r\ndevice\.stationId = "station-test"\r\n\S+ \[alice\]# $/);
    expect(await tech.run('identity device')).toContain(`device.id = "${DEVICE_ID}"\r\n`);
    expect(await tech.run('config set log.level')).toContain('log.level = "info"\r\n');
    expect(await tech.run('config set broker.nothing')).toContain('error: [E520] no field broker.nothing in the running config');
    expect(existsSync(candidateFile())).toBe(false);

    expect(await tech.run('config set broker.keepaliveSeconds 60')).toContain('staged broker.keepaliveSeconds = 60 (1 change(s) staged');
    expect(await tech.run('config set log.level debug')).toContain('staged log.level = "debug"');
    expect(await tech.run('identity station station-7')).toContain('staged device.stationId = "station-7"');
    expect(await tech.run('identity station')).toContain('device.stationId = "station-7" (staged; running: "station-test"; "config apply" applies it)\r\n');
    expect(json(await tech.run('identity station --json')).data).toEqual({ path: 'device.stationId', value: 'station-7', source: 'staged', running: 'station-test' });
    expect(await tech.run('config set log.level')).toContain('log.level = "debug" (staged; running: "info"; "config apply" applies it)');
    // Only the staged value changed: the unchanged device id shows as running.
    expect(json(await tech.run('identity device --json')).data).toEqual({ path: 'device.id', value: DEVICE_ID, source: 'running', running: DEVICE_ID });
    expect(await tech.run('identity device kiosk-other')).toContain('error: [E520] the technician key is derived from the current device id');
    expect(await tech.run('identity')).toMatch(/deviceId: +kiosk-console-0001\r\nstationId: +station-test\r\nstaged: +\{"deviceId":"kiosk-console-0001","stationId":"station-7"\}/);
    expect(await tech.run('config get broker.keepaliveSeconds')).toContain('= 30');
    expect(await tech.run('config get broker.keepaliveSeconds --staged')).toContain('= 60');

    const diff = await tech.run('config diff');
    expect(diff).toContain('+ broker.keepaliveSeconds: 60');
    expect(diff).toContain('~ device.stationId: "station-test" -> "station-7"');
    expect(diff).toContain('~ log.level: "info" -> "debug"');
    expect(json(await tech.run('config diff --json')).data.changes).toHaveLength(3);
    // Setting a value back to what the live file says takes it out of the diff.
    await tech.run('config set log.level info');
    expect(await tech.run('config diff')).not.toContain('log.level');
    expect(readFileSync(running.files.configFile, 'utf8')).toBe(original);
    expect(statSync(candidateFile()).mode & 0o777).toBe(0o600);
  });

  it('applies: writes the candidate live atomically, keeps last-known-good, marks the apply for the next start, restarts', async () => {
    const applied = await tech.run('config apply --health-timeout 5000');
    expect(applied).toContain('applied 2 change(s); the previous config is kept as last-known-good');
    expect(applied).toContain('if the kiosk does not start or reach the broker within 5 s it rolls back');
    await waitFor(() => running.restarts.length === 1, { description: 'restart requested' });
    expect(running.restarts[0]).toContain('config apply (alice)');

    const live = JSON.parse(readFileSync(running.files.configFile, 'utf8')) as { device: { stationId: string }; broker: { keepaliveSeconds: number } };
    expect(live.device.stationId).toBe('station-7');
    expect(live.broker.keepaliveSeconds).toBe(60);
    expect(readFileSync(`${running.files.configFile}.last-good`, 'utf8')).toBe(original);
    expect(JSON.parse(readFileSync(`${running.files.configFile}.pending-apply`, 'utf8'))).toMatchObject({ technician: 'alice', healthTimeoutMs: 5000, requireBroker: true, starts: 0 });
    expect(existsSync(candidateFile())).toBe(false);
    expect(await tech.run('config')).toMatch(/probation: +applied \S+ by alice/);
    expect(await tech.run('config apply')).toContain('error: [E521] nothing staged');
    expect(audits().filter((audit) => audit.command === 'config' && audit.args[0] === 'apply').at(0)).toMatchObject({
      outcome: 'ok',
      technician: 'alice',
      detail: 'applied 2 changes: broker.keepaliveSeconds, device.stationId',
    });
  });

  it('discards staged changes', async () => {
    await tech.run('config set sync.batchMaxEvents 20');
    expect(await tech.run('config discard')).toContain('staged changes discarded');
    expect(await tech.run('config discard --json')).toContain('"discarded":false');
    expect(existsSync(candidateFile())).toBe(false);
  });
});
