import { z } from 'zod';
import { SignedDocument } from './signed.js';

/**
 * Commands from the backend, on kiosk/v1/{deviceId}/commands (QoS 1): each
 * message is a SignedDocument whose payload is one `kiosk.command/1`. The
 * kiosk answers every command message, accepted or not, with one
 * `kiosk.command-result/1` on kiosk/v1/{deviceId}/command-results.
 * Documented in docs/protocol.md#commands.
 */
export const COMMAND_SCHEMA = 'kiosk.command/1';
export const COMMAND_RESULT_SCHEMA = 'kiosk.command-result/1';

/** Longest a command may be valid (expiresAt − issuedAt): bounds how long command ids must be remembered. */
export const COMMAND_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Largest result the kiosk publishes (bytes of its JSON): handlers bound what
 * they return (logs.pull, camera.snapshot) below it, and a result that would
 * still be larger is replaced by a failed one with error 413.
 */
export const COMMAND_RESULT_MAX_BYTES = 256 * 1024;

/**
 * How far a command's issuedAt may lie ahead of the kiosk's wall clock before
 * it is refused as not-yet-valid (the backend's and the kiosk's clocks differ
 * a little). expiresAt gets no such allowance.
 */
export const COMMAND_CLOCK_SKEW_MS = 5 * 60 * 1000;

const noParams = z.object({}).strict().default({});

export const ConfigUpdateParams = z
  .object({
    version: z.number().int().min(1).describe('desired-config version; must be higher than the one the kiosk last accepted'),
    patch: z.record(z.string(), z.unknown()).describe('JSON merge patch (RFC 7396) over the fleet-managed part of device-config'),
  })
  .strict();

export const DoorUnlockParams = z
  .object({ durationMs: z.number().int().min(500).max(60_000).default(5000).describe('how long the door stays unlocked') })
  .strict()
  .default({ durationMs: 5000 });

export const RuntimeRestartParams = z.object({ reason: z.string().max(200).optional() }).strict().default({});

export const LogsPullParams = z
  .object({ lines: z.number().int().min(1).max(1000).default(200).describe('most recent log lines to return') })
  .strict()
  .default({ lines: 200 });

export const ModelUpdateParams = z
  .object({
    package: SignedDocument.describe('the model package manifest (kiosk.model-package/1), signed by the fleet model key'),
  })
  .strict();

const commandFields = {
  schema: z.literal(COMMAND_SCHEMA),
  id: z.string().min(8).max(64).regex(/^[A-Za-z0-9._:-]+$/).describe('unique command id chosen by the backend (a UUID is fine); repeats return the first result'),
  deviceId: z.string().min(1).describe('the one kiosk this command is for'),
  issuedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }).describe(`after this wall time the kiosk refuses the command; at most ${COMMAND_MAX_LIFETIME_MS / 3_600_000} h after issuedAt`),
};

export const KioskCommand = z.discriminatedUnion('type', [
  z.object({ ...commandFields, type: z.literal('config.update'), params: ConfigUpdateParams }).strict(),
  z.object({ ...commandFields, type: z.literal('door.unlock'), params: DoorUnlockParams }).strict(),
  z.object({ ...commandFields, type: z.literal('runtime.restart'), params: RuntimeRestartParams }).strict(),
  z.object({ ...commandFields, type: z.literal('logs.pull'), params: LogsPullParams }).strict(),
  z.object({ ...commandFields, type: z.literal('camera.snapshot'), params: noParams }).strict(),
  z.object({ ...commandFields, type: z.literal('sync.now'), params: noParams }).strict(),
  z.object({ ...commandFields, type: z.literal('model.update'), params: ModelUpdateParams }).strict(),
]);

export type KioskCommand = z.infer<typeof KioskCommand>;
export type KioskCommandType = KioskCommand['type'];
export const COMMAND_TYPES = KioskCommand.options.map((option) => option.shape.type.value) as readonly KioskCommandType[];

/** Why a command message changed nothing. Consumers must accept codes they do not know. */
export const CommandRejection = z.enum([
  'oversized',
  'malformed',
  'bad-signature',
  'unknown-key',
  'wrong-device',
  'expired',
  'not-yet-valid',
  'lifetime-too-long',
  'unsupported-type',
  'invalid-params',
]);
export type CommandRejection = z.infer<typeof CommandRejection>;

export const CommandResult = z
  .object({
    schema: z.literal(COMMAND_RESULT_SCHEMA),
    deviceId: z.string().min(1),
    commandId: z.string().nullable().describe('null when the message was too broken to carry a readable id'),
    type: z.string().nullable().describe('the command type, when it could be read'),
    status: z.enum(['ok', 'failed', 'rejected', 'in-progress']).describe('rejected: refused before doing anything; failed: tried and did not succeed; in-progress: a long command (model.update) was accepted and its final result follows'),
    rejection: CommandRejection.nullable(),
    error: z.object({ code: z.number().int(), message: z.string().max(500) }).strict().nullable(),
    data: z.record(z.string(), z.unknown()).nullable().describe('what the command returns, by type (docs/protocol.md#commands)'),
    duplicate: z.boolean().describe('this id was seen before: this is the stored first result and nothing was done again'),
    time: z.iso.datetime({ offset: true }).describe('kiosk wall time of this result (may be wrong; compare with issuedAt to see clock skew)'),
  })
  .strict();

export type CommandResult = z.infer<typeof CommandResult>;
