import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { EVENT_SCHEMA, EVENTS_BATCH_SCHEMA, EventsBatch } from '../protocol/events.js';

export type BatchVerdict =
  /**
   * `seqs`: each event's seq, in message order; `payload`: the message's bytes, unchanged; `erasures`: the
   * [fromSeq, throughSeq, seq of the event] of the message's `outbox.erased` events (seqs that will never come).
   */
  | { ok: true; deviceId: string; seqs: number[]; payload: Buffer; erasures: Array<[number, number, number]> }
  | { ok: false; reason: 'not-json' | 'unknown-version' | 'invalid' | 'device-mismatch'; detail: string; deviceId: string | null };

/**
 * The published schema, adapted for a consumer at fleet scale:
 * - `additionalProperties: false` removed everywhere: consumers must accept fields a minor version adds (docs/protocol.md#versioning);
 * - the event union's `oneOf` gets a discriminator on `type`, so each event is checked against its own branch only
 *   (a plain oneOf checks every branch, several times the work for the same answer).
 */
function forConsumers(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forConsumers);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = forConsumers(value);
  }
  const branches = out.oneOf;
  if (Array.isArray(branches) && branches.every((branch) => (branch as { properties?: { type?: { const?: unknown } } }).properties?.type?.const !== undefined)) {
    out.discriminator = { propertyName: 'type' };
  }
  return out;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((error) => `${error.instancePath || '/'} ${error.message ?? 'invalid'}`)
    .join('; ');
}

/**
 * Checks one message from kiosk/v1/{deviceId}/events against the published
 * kiosk.events-batch/1 schema (compiled once with ajv, unknown fields
 * allowed), the way a backend should: a message it cannot read is parked,
 * never dropped and never guessed at.
 */
export class BatchValidator {
  private readonly validate: ValidateFunction;

  constructor() {
    // zod puts a `pattern` beside every `format` it emits (uuid, date-time): checking the format as well repeats the same work.
    const ajv = new Ajv2020({ allErrors: false, strict: false, discriminator: true, validateFormats: false });
    this.validate = ajv.compile(forConsumers(z.toJSONSchema(EventsBatch, { io: 'output' })) as object);
  }

  check(topicDeviceId: string, payload: Buffer): BatchVerdict {
    let document: unknown;
    const text = payload.toString('utf8');
    try {
      document = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: 'not-json', detail: (error as Error).message, deviceId: topicDeviceId };
    }
    const tag = (document as { schema?: unknown } | null)?.schema;
    if (typeof tag === 'string' && tag !== EVENTS_BATCH_SCHEMA && tag.startsWith('kiosk.events-batch/')) {
      return { ok: false, reason: 'unknown-version', detail: `batch format ${tag}`, deviceId: topicDeviceId };
    }
    const events = (document as { events?: unknown } | null)?.events;
    if (Array.isArray(events)) {
      const other = events.find((event) => typeof (event as { schema?: unknown })?.schema === 'string' && (event as { schema: string }).schema !== EVENT_SCHEMA);
      if (other) return { ok: false, reason: 'unknown-version', detail: `event format ${(other as { schema: string }).schema}`, deviceId: topicDeviceId };
    }
    if (!this.validate(document)) return { ok: false, reason: 'invalid', detail: describeErrors(this.validate.errors), deviceId: topicDeviceId };
    const batch = document as EventsBatch;
    if (batch.deviceId !== topicDeviceId || batch.events.some((event) => event.deviceId !== topicDeviceId)) {
      return { ok: false, reason: 'device-mismatch', detail: `topic says ${topicDeviceId}`, deviceId: topicDeviceId };
    }
    const erasures: Array<[number, number, number]> = [];
    for (const event of batch.events) if (event.type === 'outbox.erased') erasures.push([event.payload.fromSeq, event.payload.throughSeq, event.seq]);
    return { ok: true, deviceId: topicDeviceId, payload, seqs: batch.events.map((event) => event.seq), erasures };
  }
}
