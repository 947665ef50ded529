import { z } from 'zod';

/**
 * Kiosk events: what the kiosk tells the backend, one envelope per fact.
 * Versioned by the `schema` tag; a consumer that sees an unknown major version
 * must park the message, not guess. Documented in docs/protocol.md.
 *
 * Identity of an event for deduplication is (deviceId, seq): seq is strictly
 * increasing per device and survives restarts and power cuts.
 */
export const EVENT_SCHEMA = 'kiosk.event/1';

export const BarcodeKind = z.enum(['waybill', 'consumer-session', 'gs1', 'staff', 'unknown']);

export const ScannedCode = z
  .object({
    value: z.string().min(1).max(512),
    kind: BarcodeKind,
  })
  .strict();

export const DepositPayload = z
  .object({
    depositId: z.uuid().describe('one id per item placed in the chamber'),
    route: z.string().describe('bin the item was routed to, or "reject"'),
    label: z.string().nullable().describe('classifier label the decision rests on; null when no classification was possible'),
    confidence: z.number().min(0).max(1),
    weightGrams: z.number().nullable().describe('stable net weight; null when the scale gave none'),
    consumerCode: z.string().nullable().describe('consumer session code scanned before the item, if any'),
    barcodes: z.array(ScannedCode).describe('codes scanned during this deposit'),
    reasons: z.array(z.string()).describe('machine-readable reasons behind the decision, e.g. "low-confidence"'),
    model: z.string().describe('name@version of the classifier that saw the item'),
    durationMs: z.number().int().min(0).describe('from item detected to decision recorded'),
  })
  .strict();

export const KioskStartedPayload = z
  .object({
    runtimeVersion: z.string(),
    configVersion: z.number().int(),
  })
  .strict();

export const DeviceName = z.enum(['scale', 'barcode', 'camera', 'gpio', 'classifier']);

export const DeviceFaultPayload = z
  .object({
    device: DeviceName,
    code: z.number().int().describe('KioskError code, e.g. 102 hardware fault, 101 timeout'),
    message: z.string().max(500).describe('what went wrong, for the fleet dashboard'),
  })
  .strict();

export const DeviceRecoveredPayload = z
  .object({
    device: DeviceName,
    faultedForMs: z.number().int().min(0).describe('how long the device was faulted'),
  })
  .strict();

export const ConsoleCommandPayload = z
  .object({
    command: z
      .string()
      .max(64)
      .describe('command name as registered (e.g. "status"); "(unknown)" for a word that is no command, which is not recorded since it may be a mistyped secret'),
    args: z.array(z.string().max(256)).max(32).describe('arguments after the command name, secrets replaced by "[redacted]"; answers to secret prompts are never recorded'),
    outcome: z.enum(['ok', 'error', 'denied', 'cancelled']).describe('denied: login required, wrong credentials or locked out'),
    errorCode: z.number().int().nullable().describe('KioskError code when the outcome is not ok, e.g. 501 usage, 503 wrong credentials'),
    technician: z.string().max(64).nullable().describe('who was logged in when the command finished; null when nobody'),
    transport: z.string().max(200).describe('where the command was typed: "serial:<path>" or "stdio"'),
    detail: z.string().max(500).nullable().describe('what the command changed, in its own words (never a secret); null when it only read'),
    durationMs: z.number().int().min(0),
  })
  .strict();

/** Which step of an over-the-air model update failed (docs/protocol.md#modelupdate). */
export const ModelUpdateStage = z.enum(['verify', 'download', 'install', 'smoke-test', 'switch', 'health-check']);

export const ModelUpdatedPayload = z
  .object({
    model: z.string().describe('name@version now running, as in deposit events'),
    previous: z.string().describe('name@version that ran before it (the factory model included), kept for rollback'),
    commandId: z.string().nullable().describe('the model.update command that asked for it; null when none did'),
    downloadedBytes: z.number().int().min(0).describe('bytes fetched over the network for this update, across restarts of it'),
    resumedBytes: z.number().int().min(0).describe('bytes kept from interrupted downloads instead of fetched again'),
    durationMs: z.number().int().min(0).describe('from the start of this run of the update to the switch'),
    smokeImages: z.number().int().min(0).describe('reference pictures the new model classified before the switch'),
    emptyReferenceChecked: z.boolean().describe("whether the calibrated empty-chamber picture was checked to come out as the model's empty label"),
  })
  .strict();

export const ModelUpdateFailedPayload = z
  .object({
    model: z.string().describe('name@version the update was for'),
    stage: ModelUpdateStage,
    code: z.number().int().describe('KioskError code, 430-439 (docs/protocol.md#modelupdate)'),
    message: z.string().max(500),
    active: z.string().describe('name@version running after the failure'),
    rolledBack: z.boolean().describe('true when the new model had been switched to and the previous one was restored'),
    commandId: z.string().nullable(),
  })
  .strict();

/**
 * Events the kiosk erased without sending them (a technician's factory reset that confirmed their loss). The backend
 * counts seqs fromSeq..throughSeq it does not have as accounted for, so its watermark can rise past them: without
 * this, the hole would hold every later event unacknowledged (docs/protocol.md#outboxerased).
 */
export const OutboxErasedPayload = z
  .object({
    fromSeq: z.number().int().min(1).describe('first seq of the erased range: the one after the watermark the kiosk had then'),
    throughSeq: z.number().int().min(0).describe('last seq of the erased range; a range with throughSeq < fromSeq erased nothing'),
    erased: z.number().int().min(0).describe('rows deleted in that range (events the backend may still have from an earlier send included)'),
    reason: z.enum(['factory-reset']),
    technician: z.string().max(64).nullable().describe('who confirmed it on the console'),
  })
  .strict();

const envelope = {
  schema: z.literal(EVENT_SCHEMA),
  id: z.uuid().describe('UUIDv7, unique per event'),
  deviceId: z.string().min(1),
  seq: z.number().int().min(1).describe('per-device sequence number, strictly increasing, never reused'),
  bootId: z.uuid().describe('random id of the runtime start that wrote the event'),
  time: z.iso.datetime({ offset: true }).describe('wall-clock time; may be wrong before NTP sync'),
  uptimeMs: z.number().int().min(0).describe('milliseconds since that runtime start'),
};

export const KioskEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('deposit.accepted'), payload: DepositPayload }).strict(),
  z.object({ ...envelope, type: z.literal('deposit.rejected'), payload: DepositPayload }).strict(),
  z.object({ ...envelope, type: z.literal('kiosk.started'), payload: KioskStartedPayload }).strict(),
  z.object({ ...envelope, type: z.literal('device.fault'), payload: DeviceFaultPayload }).strict(),
  z.object({ ...envelope, type: z.literal('device.recovered'), payload: DeviceRecoveredPayload }).strict(),
  z.object({ ...envelope, type: z.literal('console.command'), payload: ConsoleCommandPayload }).strict(),
  z.object({ ...envelope, type: z.literal('model.updated'), payload: ModelUpdatedPayload }).strict(),
  z.object({ ...envelope, type: z.literal('model.update-failed'), payload: ModelUpdateFailedPayload }).strict(),
  z.object({ ...envelope, type: z.literal('outbox.erased'), payload: OutboxErasedPayload }).strict(),
]);

export type KioskEvent = z.infer<typeof KioskEvent>;
export type KioskEventType = KioskEvent['type'];
export type DepositPayload = z.infer<typeof DepositPayload>;
export type ScannedCode = z.infer<typeof ScannedCode>;
export type DeviceName = z.infer<typeof DeviceName>;
export type ConsoleCommandPayload = z.infer<typeof ConsoleCommandPayload>;
export type ModelUpdatedPayload = z.infer<typeof ModelUpdatedPayload>;
export type ModelUpdateFailedPayload = z.infer<typeof ModelUpdateFailedPayload>;
export type ModelUpdateStage = z.infer<typeof ModelUpdateStage>;

/** What a producer hands the store: the store adds id, seq, bootId and times. */
export type EventDraft = { [T in KioskEventType]: { type: T; payload: Extract<KioskEvent, { type: T }>['payload'] } }[KioskEventType];

export const EVENTS_BATCH_SCHEMA = 'kiosk.events-batch/1';

/** One MQTT message on kiosk/v1/{deviceId}/events: a run of events in seq order. */
export const EventsBatch = z
  .object({
    schema: z.literal(EVENTS_BATCH_SCHEMA),
    deviceId: z.string().min(1),
    events: z.array(KioskEvent).min(1),
  })
  .strict();

export type EventsBatch = z.infer<typeof EventsBatch>;
