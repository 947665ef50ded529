import type { EventEmitter } from 'node:events';
import type { EventDraft, KioskEvent } from '../protocol/events.js';

/** An event as it waits in the outbox: the exact JSON that will go on the wire. */
export interface OutboxEntry {
  seq: number;
  body: string;
}

export interface OutboxStats {
  /** Events held that the backend has not acknowledged yet (sent or not). */
  total: number;
  /** The same count, by its meaning for a technician: events the backend does not have for sure. */
  unsent: number;
  /** Wall time the oldest held event was written, or null when none waits. */
  oldestUnsentTime: string | null;
  /** Highest sequence number ever given out on this device. */
  lastSeq: number;
  /** The backend's high-watermark: every seq up to this one is stored there. */
  ackedSeq: number;
}

export interface EventStoreEvents {
  appended: [event: KioskEvent];
}

/**
 * The durable outbox. `append` returns only once the event is on disk, so a
 * caller may tell the consumer "accepted" right after it. Rows stay until the
 * backend acknowledges them (`acknowledge`); the sync layer keeps what it has
 * published on the current connection in memory.
 */
export interface EventStore extends EventEmitter<EventStoreEvents> {
  append(draft: EventDraft): KioskEvent;
  /** Held entries with seq > afterSeq in seq order, up to `limit` rows and about `maxBytes` bytes (always at least one). */
  pending(afterSeq: number, limit: number, maxBytes: number): OutboxEntry[];
  /**
   * The backend has stored every seq ≤ ackedSeq: the watermark rises (a watermark that is not higher changes
   * nothing) and up to `pruneMaxRows` (default: all) of the rows it covers are deleted at once; `prune` deletes
   * the rest. Returns how many rows were deleted now.
   */
  acknowledge(ackedSeq: number, pruneMaxRows?: number): number;
  /**
   * Removes about `maxRows` rows the backend has acknowledged, oldest first (a whole segment of them counts as one step,
   * docs/storage.md#schema-version-5-the-outbox-in-segments); returns how many (fewer: nothing more can go now).
   */
  prune(maxRows: number): number;
  /**
   * Erases the held events with seq ≤ throughSeq that a technician confirmed the loss of, and in the same transaction
   * appends the `outbox.erased` event that tells the backend which seqs will never come. Rows are overwritten on delete
   * (secure_delete). Returns the event written.
   */
  eraseThrough(throughSeq: number, details: { reason: 'factory-reset'; technician: string | null }): Extract<KioskEvent, { type: 'outbox.erased' }>;
  stats(): OutboxStats;
  close(): void;
}
