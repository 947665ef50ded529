import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCommand, generateFleetKeyPair, signCommand, signDocument, signingKeyFromPem, type FleetSigningKey } from '../../../src/fleet/signer.js';
import { COMMAND_CLOCK_SKEW_MS, COMMAND_MAX_LIFETIME_MS, type CommandRejection, type KioskCommand } from '../../../src/protocol/commands.js';
import { checkCommandWindow, verifyCommand } from '../../../src/sync/commands/command-verifier.js';
import { FleetKeyring } from '../../../src/sync/commands/fleet-keyring.js';
import { verifySignedDocument } from '../../../src/sync/commands/signed-document.js';

const DEVICE = 'kiosk-verify-0001';
const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const MAX_BYTES = 64 * 1024;

const commandsPair = generateFleetKeyPair();
const configPair = generateFleetKeyPair();
const strangerPair = generateFleetKeyPair();
const commandsKey = signingKeyFromPem('fleet-commands-1', commandsPair.privateKeyPem);
const configKey = signingKeyFromPem('fleet-config-1', configPair.privateKeyPem);
/** Signs under the commands kid with a key the kiosk does not have: a forgery. */
const forger: FleetSigningKey = { kid: 'fleet-commands-1', privateKey: createPrivateKey(strangerPair.privateKeyPem) };
const keyring = new FleetKeyring([
  { id: 'fleet-commands-1', publicKey: commandsPair.publicKeyPem, use: ['commands'] },
  { id: 'fleet-config-1', publicKey: configPair.publicKeyPem, use: ['config'] },
]);

function command(overrides: Partial<Record<keyof KioskCommand, unknown>> = {}): KioskCommand {
  return { ...buildCommand({ type: 'door.unlock', deviceId: DEVICE, id: 'cmd-00000001', issuedAt: new Date(NOW - 1000), ttlMs: 60_000 }), ...overrides } as KioskCommand;
}

const bytes = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function signed(document: unknown, key: FleetSigningKey = commandsKey): Promise<Buffer> {
  return bytes(await signDocument(document, key));
}

async function verdict(message: Buffer, tooLarge = false): Promise<{ rejection: CommandRejection | null; commandId: string | null }> {
  const result = await verifyCommand(message, { keyring, deviceId: DEVICE, maxBytes: MAX_BYTES, nowMs: NOW, tooLarge });
  return result.ok ? { rejection: null, commandId: result.command.id } : { rejection: result.rejection, commandId: result.commandId };
}

describe('command verification', () => {
  const cases: Array<{ name: string; message: () => Promise<Buffer>; tooLarge?: boolean; rejection: CommandRejection | null; commandId: string | null }> = [
    { name: 'a valid command', message: () => signed(command()), rejection: null, commandId: 'cmd-00000001' },
    { name: 'a valid command of every type with its defaults', message: () => signed(command({ type: 'sync.now', params: {} })), rejection: null, commandId: 'cmd-00000001' },
    { name: 'larger than the topic allows (counted before parsing)', message: async () => Buffer.alloc(MAX_BYTES + 1, 0x7b), rejection: 'oversized', commandId: null },
    { name: 'flagged too large by the uplink', message: () => signed(command()), tooLarge: true, rejection: 'oversized', commandId: null },
    { name: 'garbage bytes (not UTF-8)', message: async () => Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x13]), rejection: 'malformed', commandId: null },
    { name: 'malformed JSON', message: async () => bytes('{"protected": "abc", '), rejection: 'malformed', commandId: null },
    { name: 'JSON that is not an object', message: async () => bytes([1, 2, 3]), rejection: 'malformed', commandId: null },
    { name: 'a bare command, unsigned', message: async () => bytes(command()), rejection: 'malformed', commandId: null },
    {
      name: 'a JWS with an unprotected header (the schema is strict)',
      message: async () => bytes({ ...JSON.parse((await signed(command())).toString()), header: { kid: 'x' } }),
      rejection: 'malformed',
      commandId: null,
    },
    { name: 'a protected header that is not JSON', message: async () => bytes({ protected: b64('not json'), payload: b64(command()), signature: 'AAAA' }), rejection: 'malformed', commandId: 'cmd-00000001' },
    { name: 'alg "none"', message: async () => bytes({ protected: b64({ alg: 'none', kid: 'fleet-commands-1' }), payload: b64(command()), signature: 'AAAA' }), rejection: 'bad-signature', commandId: 'cmd-00000001' },
    { name: 'alg HS256', message: async () => bytes({ protected: b64({ alg: 'HS256', kid: 'fleet-commands-1' }), payload: b64(command()), signature: 'AAAA' }), rejection: 'bad-signature', commandId: 'cmd-00000001' },
    { name: 'an unknown kid', message: () => signed(command(), { kid: 'fleet-old-0', privateKey: commandsKey.privateKey }), rejection: 'unknown-key', commandId: 'cmd-00000001' },
    { name: 'a key not allowed to sign commands (config only)', message: () => signed(command(), configKey), rejection: 'unknown-key', commandId: 'cmd-00000001' },
    { name: 'signed with the wrong key under a known kid (forged)', message: () => signed(command(), forger), rejection: 'bad-signature', commandId: 'cmd-00000001' },
    {
      name: 'a tampered payload (signature of the original)',
      message: async () => {
        const jws = JSON.parse((await signed(command())).toString()) as Record<string, string>;
        return bytes({ ...jws, payload: b64(command({ params: { durationMs: 60_000 } })) });
      },
      rejection: 'bad-signature',
      commandId: 'cmd-00000001',
    },
    {
      name: 'a signature with one bit flipped',
      message: async () => {
        const jws = JSON.parse((await signed(command())).toString()) as Record<string, string>;
        const signature = Buffer.from(jws.signature ?? '', 'base64url');
        signature[0] = (signature[0] ?? 0) ^ 1;
        return bytes({ ...jws, signature: signature.toString('base64url') });
      },
      rejection: 'bad-signature',
      commandId: 'cmd-00000001',
    },
    { name: 'a signed payload that is not JSON', message: () => signed('just text'), rejection: 'malformed', commandId: null },
    { name: 'a signed desired config on the command topic', message: () => signed({ schema: 'kiosk.shadow-desired/1', deviceId: DEVICE, version: 1, issuedAt: new Date(NOW).toISOString(), patch: {} }), rejection: 'malformed', commandId: null },
    { name: 'an unknown command type', message: () => signed(command({ type: 'self.destruct' })), rejection: 'unsupported-type', commandId: 'cmd-00000001' },
    { name: 'params out of range', message: () => signed(command({ params: { durationMs: 10 } })), rejection: 'invalid-params', commandId: 'cmd-00000001' },
    { name: 'an unknown param', message: () => signed(command({ params: { durationMs: 5000, force: true } })), rejection: 'invalid-params', commandId: 'cmd-00000001' },
    { name: 'an id the schema refuses (and is not echoed)', message: () => signed(command({ id: 'a b' })), rejection: 'malformed', commandId: null },
    { name: 'for another kiosk', message: () => signed(command({ deviceId: 'kiosk-other-0002' })), rejection: 'wrong-device', commandId: 'cmd-00000001' },
    { name: 'expired', message: () => signed(command({ issuedAt: new Date(NOW - 120_000).toISOString(), expiresAt: new Date(NOW - 1).toISOString() })), rejection: 'expired', commandId: 'cmd-00000001' },
    { name: 'expiring this very millisecond', message: () => signed(command({ issuedAt: new Date(NOW - 120_000).toISOString(), expiresAt: new Date(NOW).toISOString() })), rejection: 'expired', commandId: 'cmd-00000001' },
    {
      name: 'issued further ahead than the clock skew allows',
      message: () => signed(command({ issuedAt: new Date(NOW + COMMAND_CLOCK_SKEW_MS + 1000).toISOString(), expiresAt: new Date(NOW + COMMAND_CLOCK_SKEW_MS + 60_000).toISOString() })),
      rejection: 'not-yet-valid',
      commandId: 'cmd-00000001',
    },
    {
      name: 'issued ahead, within the clock skew',
      message: () => signed(command({ issuedAt: new Date(NOW + COMMAND_CLOCK_SKEW_MS - 1000).toISOString(), expiresAt: new Date(NOW + COMMAND_CLOCK_SKEW_MS + 60_000).toISOString() })),
      rejection: null,
      commandId: 'cmd-00000001',
    },
    {
      name: 'valid longer than COMMAND_MAX_LIFETIME_MS',
      message: () => signed(command({ issuedAt: new Date(NOW - 1000).toISOString(), expiresAt: new Date(NOW - 1000 + COMMAND_MAX_LIFETIME_MS + 1).toISOString() })),
      rejection: 'lifetime-too-long',
      commandId: 'cmd-00000001',
    },
    { name: 'expiring before it was issued', message: () => signed(command({ issuedAt: new Date(NOW).toISOString(), expiresAt: new Date(NOW - 1000).toISOString() })), rejection: 'malformed', commandId: 'cmd-00000001' },
    { name: 'a timestamp that is not ISO 8601', message: () => signed(command({ expiresAt: 'tomorrow' })), rejection: 'malformed', commandId: 'cmd-00000001' },
  ];

  it.each(cases)('$name → $rejection', async ({ message, tooLarge, rejection, commandId }) => {
    expect(await verdict(await message(), tooLarge)).toEqual({ rejection, commandId });
  });

  it('the time rules alone: the answer carries both times and the kiosk clock', () => {
    const refusal = checkCommandWindow(command({ issuedAt: '2026-11-23T10:00:00.000Z', expiresAt: '2026-11-23T11:00:00.000Z' }), NOW);
    expect(refusal).toMatchObject({ rejection: 'expired', data: { issuedAt: '2026-11-23T10:00:00.000Z', expiresAt: '2026-11-23T11:00:00.000Z', kioskTime: '2026-11-23T12:00:00.000Z' } });
    expect(checkCommandWindow(command(), NOW)).toBeNull();
  });

  it('a key is trusted only for its uses: the config key verifies a config document, not a command', async () => {
    const desired = await signDocument({ schema: 'kiosk.shadow-desired/1' }, configKey);
    expect(await verifySignedDocument(bytes(desired), { keyring, use: 'config', maxBytes: MAX_BYTES })).toMatchObject({ ok: true, kid: 'fleet-config-1' });
    expect(await verifySignedDocument(bytes(desired), { keyring, use: 'commands', maxBytes: MAX_BYTES })).toMatchObject({ ok: false, rejection: 'unknown-key' });
    expect(await verifySignedDocument(bytes(desired), { keyring, use: 'models', maxBytes: MAX_BYTES })).toMatchObject({ ok: false, rejection: 'unknown-key' });
  });

  it('the signer and verifier agree on every command type', async () => {
    const drafts = [
      buildCommand({ type: 'config.update', deviceId: DEVICE, issuedAt: new Date(NOW), params: { version: 3, patch: { log: { level: 'debug' } } } }),
      buildCommand({ type: 'door.unlock', deviceId: DEVICE, issuedAt: new Date(NOW), params: { durationMs: 1500 } }),
      buildCommand({ type: 'runtime.restart', deviceId: DEVICE, issuedAt: new Date(NOW), params: { reason: 'test' } }),
      buildCommand({ type: 'logs.pull', deviceId: DEVICE, issuedAt: new Date(NOW), params: { lines: 10 } }),
      buildCommand({ type: 'camera.snapshot', deviceId: DEVICE, issuedAt: new Date(NOW) }),
      buildCommand({ type: 'sync.now', deviceId: DEVICE, issuedAt: new Date(NOW) }),
    ];
    for (const draft of drafts) {
      const result = await verifyCommand(bytes(await signCommand(draft, commandsKey)), { keyring, deviceId: DEVICE, maxBytes: MAX_BYTES, nowMs: NOW });
      expect(result).toMatchObject({ ok: true, command: { id: draft.id, type: draft.type } });
    }
  });
});

describe('fleet keyring', () => {
  it('refuses a key that is not Ed25519 and a kid given twice, naming the entry (a setup mistake stops the start)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => new FleetKeyring([{ id: 'rsa', publicKey: rsa, use: ['commands'] }])).toThrow(/\[E602\].*fleet\.keys\.0\.publicKey: an Ed25519 key is needed, this is rsa/);
    expect(
      () =>
        new FleetKeyring([
          { id: 'same', publicKey: commandsPair.publicKeyPem, use: ['commands'] },
          { id: 'same', publicKey: configPair.publicKeyPem, use: ['config'] },
        ]),
    ).toThrow(/\[E602\].*fleet\.keys\.1\.id: kid "same" is given twice/);
  });
});
