import type { EventEmitter } from 'node:events';
import type { EventDraft, KioskEvent } from '../protocol/events.js';

/** An event as it waits in the outbox: the exact JSON that will go on the wire. */
export interface OutboxEntry {
  seq: number;
  body: string;
}

export interface OutboxStats {
  /** Rows held, sent or not. */
  total: number;
  /** Rows not yet acknowledged by the broker. */
  unsent: number;
  /** Wall time the oldest unsent event was written, or null when none waits. */
  oldestUnsentTime: string | null;
  /** Highest sequence number ever given out on this device. */
  lastSeq: number;
}

export interface EventStoreEvents {
  appended: [event: KioskEvent];
}

/**
 * The durable outbox. `append` returns only once the event is on disk, so a
 * caller may tell the consumer "accepted" right after it.
 */
export interface EventStore extends EventEmitter<EventStoreEvents> {
  append(draft: EventDraft): KioskEvent;
  /** Unsent entries with seq > afterSeq in seq order, up to `limit` rows and about `maxBytes` bytes (always at least one). */
  pending(afterSeq: number, limit: number, maxBytes: number): OutboxEntry[];
  markSent(seqs: readonly number[]): void;
  stats(): OutboxStats;
  close(): void;
}
