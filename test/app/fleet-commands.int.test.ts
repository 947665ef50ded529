import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FleetCommandClient } from '../../src/fleet/command-client.js';
import { buildCommand, generateFleetKeyPair, signCommand, signDocument, signingKeyFromPem, type CommandDraft } from '../../src/fleet/signer.js';
import { COMMAND_CLOCK_SKEW_MS, type CommandResult, type KioskCommandType } from '../../src/protocol/commands.js';
import type { SignedDocument } from '../../src/protocol/signed.js';
import { REJECTION_BURST } from '../../src/sync/commands/command-service.js';
import { depositAwaitingRemoval, FLEET_DEVICE_ID, makeFleetKeys, removeItem, startFleetKiosk, writeFleetKiosk, type FleetKeys, type FleetKiosk } from '../support/fleet-kiosk.js';
import type { TestKioskFiles } from '../support/kiosk-config.js';
import { Broker } from '../support/mosquitto.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Signed commands from the backend, end to end: a real mosquitto, the whole
 * simulated kiosk in-process with its real SQLite file, and the fleet's
 * command client (the library behind scripts/fleet-command.ts) on the other side.
 */
describe('backend commands', () => {
  let broker: Broker;
  let keys: FleetKeys;
  let dir: TempDir;
  let files: TestKioskFiles;
  let running: FleetKiosk | undefined;
  let fleet: FleetCommandClient | undefined;
  const k = (): FleetKiosk => running as FleetKiosk;
  const f = (): FleetCommandClient => fleet as FleetCommandClient;

  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
    keys = makeFleetKeys();
  });
  afterAll(async () => {
    await broker?.dispose();
  });
  beforeEach(async () => {
    dir = makeTempDir();
    files = writeFleetKiosk(dir, { brokerUrl: broker.url, keys });
    fleet = await FleetCommandClient.connect({ url: broker.url });
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await fleet?.close();
    fleet = undefined;
    dir?.remove();
  });

  async function start(options: { withConfigFile?: boolean } = {}): Promise<FleetKiosk> {
    running = await startFleetKiosk(files, options);
    return running;
  }

  function draft<T extends KioskCommandType>(type: T, params?: CommandDraft<T>['params'], extra: Partial<CommandDraft<T>> = {}): CommandDraft<T> {
    return { type, deviceId: FLEET_DEVICE_ID, ttlMs: 60_000, ...(params === undefined ? {} : { params }), ...extra };
  }

  async function signed<T extends KioskCommandType>(type: T, params?: CommandDraft<T>['params'], extra: Partial<CommandDraft<T>> = {}): Promise<{ id: string; jws: SignedDocument }> {
    const command = buildCommand(draft(type, params, extra));
    return { id: command.id, jws: await signCommand(command, keys.commands) };
  }

  /** Sends a signed command and returns its final (not in-progress, not duplicate) result. */
  async function run<T extends KioskCommandType>(type: T, params?: CommandDraft<T>['params']): Promise<CommandResult> {
    const { id, jws } = await signed(type, params);
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    return f().waitForResult((result) => result.commandId === id && result.status !== 'in-progress' && !result.duplicate, 15_000);
  }

  /** The next result to arrive after `publish` (results come in the order the messages were handled). */
  async function nextResult(publish: () => Promise<void>): Promise<CommandResult> {
    const before = f().results.length;
    await publish();
    return waitFor(() => f().results[before], { description: 'a command result', timeoutMs: 10_000 });
  }

  function commandRows(): number {
    const db = new Database(files.storeFile, { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM command_results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  /** What a refused command must not change: the config file, the outbox, the outputs, the stored results. */
  function stateOf(kiosk: FleetKiosk): unknown {
    return { config: readFileSync(files.configFile, 'utf8'), outbox: kiosk.kiosk.store.stats(), outputs: kiosk.outputs.length, rows: commandRows(), restarts: kiosk.restarts.length };
  }

  it('door.unlock unlocks the locked door for its duration, then locks it again; a replay answers the first result and pulses nothing', async () => {
    await start();
    await k().kiosk.flow.pauseIntake('test: the door is locked while intake is paused');
    await waitFor(() => k().kiosk.devices.gpio.read('door-lock'), { description: 'door locked' });
    k().outputs.length = 0;
    const { id, jws } = await signed('door.unlock', { durationMs: 600 });
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    await waitFor(() => !k().kiosk.devices.gpio.read('door-lock'), { description: 'the door unlocked' });
    // The same message again while the door is open: the command is still running.
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    const running1 = await f().waitForResult((result) => result.commandId === id && result.duplicate, 10_000);
    expect(running1).toMatchObject({ status: 'in-progress', duplicate: true });
    const first = await f().waitForResult((result) => result.commandId === id && !result.duplicate, 10_000);
    expect(first).toMatchObject({ status: 'ok', type: 'door.unlock', rejection: null, error: null, data: { line: 'door-lock', unlockedMs: 600 } });
    expect(k().kiosk.devices.gpio.read('door-lock')).toBe(true);

    const replay = await nextResult(() => f().sendCommand(FLEET_DEVICE_ID, jws));
    expect(replay).toEqual({ ...first, duplicate: true });
    expect(k().outputs.filter((change) => change.line === 'door-lock').map((change) => change.value)).toEqual([false, true]);
    expect(commandRows()).toBe(1);
  });

  it('door.unlock while idle leaves the door as the flow wants it; during a deposit it fails and the door stays locked', async () => {
    await start();
    expect(await run('door.unlock', { durationMs: 500 })).toMatchObject({ status: 'ok', data: { unlockedMs: 500 } });
    expect(k().kiosk.devices.gpio.read('door-lock')).toBe(false);

    await depositAwaitingRemoval(k());
    // The flow locks the door while it weighs; a reject or a routed item leaves it to the flow (the scenario item is accepted: locked until removal).
    const lockedBefore = k().kiosk.devices.gpio.read('door-lock');
    const writes = k().outputs.length;
    const refused = await run('door.unlock', { durationMs: 500 });
    expect(refused).toMatchObject({ status: 'failed', error: { code: 510, message: expect.stringContaining('a deposit is in progress (awaiting-removal)') } });
    expect(k().kiosk.devices.gpio.read('door-lock')).toBe(lockedBefore);
    expect(k().outputs.length).toBe(writes);
    await removeItem(k());
  });

  it('logs.pull returns the newest lines of the log ring (the lines pino wrote, so redacted as the log is)', async () => {
    await start();
    const result = await run('logs.pull', { lines: 5 });
    expect(result).toMatchObject({ status: 'ok', data: { requested: 5, returned: 5, truncated: false } });
    const lines = (result.data?.lines ?? []) as string[];
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ app: 'kiosk-runtime' });
    const all = await run('logs.pull', { lines: 1000 });
    expect((all.data?.lines as string[]).some((line) => JSON.parse(line).msg === 'kiosk started')).toBe(true);
  });

  it('camera.snapshot returns a fresh frame as base64 JPEG with its size', async () => {
    await start();
    const result = await run('camera.snapshot');
    expect(result).toMatchObject({ status: 'ok', data: { contentType: 'image/jpeg', downscaled: false } });
    const jpeg = Buffer.from(result.data?.jpegBase64 as string, 'base64');
    expect(jpeg.length).toBe(result.data?.bytes);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const metadata = await sharp(jpeg).metadata();
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: result.data?.width, height: result.data?.height });
  });

  it('sync.now nudges the outbox and says how it stands', async () => {
    await start();
    expect(await run('sync.now')).toMatchObject({ status: 'ok', data: { connected: true, unsent: expect.any(Number) } });
  });

  it('runtime.restart answers first, then asks for the restart (main.ts exits 75)', async () => {
    await start();
    const { id, jws } = await signed('runtime.restart', { reason: 'fleet test' });
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    const result = await f().waitForResult((r) => r.commandId === id, 10_000);
    expect(result).toMatchObject({ status: 'ok', data: { restarting: true } });
    await waitFor(() => k().restarts.length === 1, { description: 'restart requested' });
    expect(k().restarts[0]).toBe(`fleet command ${id}: fleet test`);
  });

  it('config.update on a kiosk without a config file fails [E422]; model.update fails [E412] where nothing fills its slot (the scenario classifier takes no models)', async () => {
    await start({ withConfigFile: false });
    expect(await run('config.update', { version: 1, patch: { log: { level: 'debug' } } })).toMatchObject({ status: 'failed', error: { code: 422 } });
    const modelUpdate = await run('model.update', { package: { protected: 'e30', payload: 'e30', signature: 'AA' } });
    expect(modelUpdate).toMatchObject({ status: 'failed', error: { code: 412, message: expect.stringContaining('model.update is not available') } });
  });

  it('rejects forged, tampered, unknown-key, wrong-use and wrong-device commands with the code, and changes nothing', async () => {
    await start();
    const before = stateOf(k());
    const stranger = signingKeyFromPem('fleet-commands-1', generateFleetKeyPair().privateKeyPem);
    const door = buildCommand(draft('door.unlock', { durationMs: 500 }));
    const send = (jws: unknown): Promise<void> => f().publishRaw('commands', FLEET_DEVICE_ID, JSON.stringify(jws));

    expect(await nextResult(async () => send(await signDocument(door, stranger)))).toMatchObject({ status: 'rejected', rejection: 'bad-signature', commandId: door.id, type: 'door.unlock', error: { code: 410 } });
    const genuine = await signCommand(door, keys.commands);
    const tampered = { ...genuine, payload: Buffer.from(JSON.stringify({ ...door, params: { durationMs: 60_000 } })).toString('base64url') };
    expect(await nextResult(() => send(tampered))).toMatchObject({ status: 'rejected', rejection: 'bad-signature', commandId: door.id });
    expect(await nextResult(async () => send(await signDocument(door, { ...keys.commands, kid: 'fleet-retired-0' })))).toMatchObject({ rejection: 'unknown-key' });
    expect(await nextResult(async () => send(await signDocument(door, keys.config)))).toMatchObject({ rejection: 'unknown-key', commandId: door.id });
    const elsewhere = buildCommand(draft('door.unlock', { durationMs: 500 }, { deviceId: 'kiosk-other-0002' }));
    expect(await nextResult(async () => send(await signCommand(elsewhere, keys.commands)))).toMatchObject({ rejection: 'wrong-device', commandId: elsewhere.id, deviceId: FLEET_DEVICE_ID });

    expect(k().kiosk.uplink.isConnected).toBe(true);
    expect(stateOf(k())).toEqual(before);
    // The genuine command still works afterwards: nothing was recorded under its id by the forgeries.
    await send(genuine);
    expect(await f().waitForResult((result) => result.commandId === door.id && result.status === 'ok', 10_000)).toMatchObject({ duplicate: false });
  });

  it('rejects expired, not-yet-valid, malformed, garbage and oversized (200 KB) commands with the code, and changes nothing', async () => {
    await start();
    const before = stateOf(k());
    const now = Date.now();
    const expired = await signed('door.unlock', { durationMs: 500 }, { issuedAt: new Date(now - 120_000), ttlMs: 60_000 });
    const early = await signed('door.unlock', { durationMs: 500 }, { issuedAt: new Date(now + COMMAND_CLOCK_SKEW_MS + 60_000) });

    const expiredResult = await nextResult(() => f().sendCommand(FLEET_DEVICE_ID, expired.jws));
    expect(expiredResult).toMatchObject({ status: 'rejected', rejection: 'expired', commandId: expired.id, data: { kioskTime: expect.any(String) } });
    expect(await nextResult(() => f().sendCommand(FLEET_DEVICE_ID, early.jws))).toMatchObject({ rejection: 'not-yet-valid', commandId: early.id });
    expect(await nextResult(() => f().publishRaw('commands', FLEET_DEVICE_ID, '{"protected":"eyJhbGciOiJFZERTQSJ9",'))).toMatchObject({ rejection: 'malformed', commandId: null, type: null });
    expect(await nextResult(() => f().publishRaw('commands', FLEET_DEVICE_ID, Buffer.from([0xff, 0x00, 0xfe, 0x13, 0x80])))).toMatchObject({ rejection: 'malformed', commandId: null });
    const big = JSON.stringify({ ...expired.jws, padding: 'x'.repeat(200 * 1024) });
    expect(await nextResult(() => f().publishRaw('commands', FLEET_DEVICE_ID, big))).toMatchObject({ rejection: 'oversized', commandId: null });

    expect(k().kiosk.uplink.isConnected).toBe(true);
    expect(stateOf(k())).toEqual(before);
  });

  it('a 10 MB garbage publish never reaches the kiosk (the broker drops it: Maximum Packet Size); the next valid command still works', async () => {
    await start();
    const before = stateOf(k());
    await f().publishRaw('commands', FLEET_DEVICE_ID, Buffer.alloc(10 * 1024 * 1024, 0x41));
    const result = await run('sync.now');
    expect(result).toMatchObject({ status: 'ok' });
    expect(f().results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(k().kiosk.uplink.isConnected).toBe(true);
    expect(stateOf(k())).toEqual({ ...(before as object), rows: 1 });
  });

  it('answers at most REJECTION_BURST rejections to a flood of garbage, and a valid command after it', async () => {
    await start();
    for (let index = 0; index < 40; index++) await f().publishRaw('commands', FLEET_DEVICE_ID, `garbage ${index}`);
    const result = await run('sync.now');
    expect(result.status).toBe('ok');
    expect(f().results.filter((r) => r.status === 'rejected')).toHaveLength(REJECTION_BURST);
  });

  it('a command cut short by a stop fails as interrupted [E415], the door is locked again, and a replay after the restart gets that result', async () => {
    await start();
    await k().kiosk.flow.pauseIntake('test');
    const { id, jws } = await signed('door.unlock', { durationMs: 60_000 });
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    await waitFor(() => !k().kiosk.devices.gpio.read('door-lock'), { description: 'the door unlocked' });
    const stopping = k().stop();
    const cut = await f().waitForResult((result) => result.commandId === id && result.status === 'failed', 10_000);
    expect(cut).toMatchObject({ error: { code: 415 } });
    await stopping;
    expect(k().outputs.filter((change) => change.line === 'door-lock').at(-1)).toEqual({ line: 'door-lock', value: true });

    await start();
    expect(await nextResult(() => f().sendCommand(FLEET_DEVICE_ID, jws))).toEqual({ ...cut, duplicate: true });
  });

  it('remembers the first result across a restart: a replay after it is answered, not executed again', async () => {
    await start();
    await k().kiosk.flow.pauseIntake('test');
    const { id, jws } = await signed('door.unlock', { durationMs: 500 });
    await f().sendCommand(FLEET_DEVICE_ID, jws);
    const first = await f().waitForResult((result) => result.commandId === id && result.status === 'ok', 10_000);
    await k().stop();

    await start();
    const writes = k().outputs.length;
    const replay = await nextResult(() => f().sendCommand(FLEET_DEVICE_ID, jws));
    expect(replay).toEqual({ ...first, duplicate: true });
    expect(k().outputs.length).toBe(writes);
  });
});
