import { EVENTS_BATCH_SCHEMA } from '../protocol/events.js';
import type { OutboxEntry } from '../store/event-store.js';

/**
 * Builds a kiosk.events-batch/1 message from outbox rows without parsing them:
 * each row already holds its event's exact JSON, so the wire bytes of an event
 * are the bytes that were committed to disk.
 */
export function encodeEventsBatch(deviceId: string, entries: readonly OutboxEntry[]): string {
  return `{"schema":"${EVENTS_BATCH_SCHEMA}","deviceId":${JSON.stringify(deviceId)},"events":[${entries.map((entry) => entry.body).join(',')}]}`;
}
