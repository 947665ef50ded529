/**
 * Drains the SQLite outbox to the uplink.
 *
 *   EventStore (rows, seq order) ──pending()──► batch ──publish()──► Uplink ──PUBACK──► markSent()
 *
 * At most `inFlightMax` batches are unacknowledged at once, so nothing but the
 * outbox ever holds more than that window. After a reconnect the cursor goes
 * back to the start, and every row still unsent is published again, in order;
 * the backend drops duplicates by (deviceId, seq).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DeviceConfig } from '../ops/config/schema.js';
import { Backoff } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { EventStore } from '../store/event-store.js';
import { encodeEventsBatch } from './events-batch.js';
import type { Uplink } from './uplink.js';

export interface OutboxSyncOptions {
  store: EventStore;
  uplink: Uplink;
  deviceId: string;
  settings: DeviceConfig['sync'];
  logger: Logger;
  /** Pause before retrying after a publish the broker refused while connected. */
  retryDelayMs?: number;
}

export class OutboxSync {
  /** Highest seq handed to the uplink on this connection. */
  private cursor = 0;
  private inFlight = 0;
  /** Bumped on every (dis)connection so late callbacks of an old connection change nothing. */
  private generation = 0;
  private running = false;
  /** Set after a refused publish: nothing more goes out until the retry resends from the oldest unsent row, keeping seq order. */
  private paused = false;
  private readonly retryBackoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  private readonly onAppended = (): void => this.pump();
  private readonly onConnected = (): void => this.restart();
  private readonly onDisconnected = (): void => this.restart();

  constructor(private readonly options: OutboxSyncOptions) {
    this.retryBackoff = new Backoff({ initialMs: options.retryDelayMs ?? 1000, maxMs: 60_000 });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { store, uplink } = this.options;
    store.on('appended', this.onAppended);
    uplink.on('connected', this.onConnected);
    uplink.on('disconnected', this.onDisconnected);
    this.pump();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const { store, uplink } = this.options;
    store.off('appended', this.onAppended);
    uplink.off('connected', this.onConnected);
    uplink.off('disconnected', this.onDisconnected);
    this.wakeIdleWaiters();
  }

  /**
   * Publishes now what waits (the technician's `sync now`): a drain paused
   * after a refused publish resends at once instead of after its backoff.
   * Does nothing while the link is down; the reconnect drains anyway.
   */
  nudge(): void {
    if (!this.running) return;
    if (this.paused) this.restart();
    else this.pump();
  }

  /** Waits until nothing is unsent or in flight, or the time is up; true when drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.options.store.stats().unsent > 0 || this.inFlight > 0) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || !this.running || !this.options.uplink.isConnected) return false;
      await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), delay(Math.min(remaining, 100))]);
    }
    return true;
  }

  private restart(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.paused = false;
    this.generation += 1;
    this.cursor = 0;
    this.inFlight = 0;
    this.pump();
  }

  private pump(): void {
    const { store, uplink, settings, deviceId, logger } = this.options;
    while (this.running && !this.paused && uplink.isConnected && this.inFlight < settings.inFlightMax) {
      const entries = store.pending(this.cursor, settings.batchMaxEvents, settings.batchMaxBytes);
      const first = entries[0];
      const last = entries.at(-1);
      if (!first || !last) break;
      this.cursor = last.seq;
      this.inFlight += 1;
      const generation = this.generation;
      const seqs = entries.map((entry) => entry.seq);
      uplink.publish('events', encodeEventsBatch(deviceId, entries)).then(
        () => {
          try {
            store.markSent(seqs);
          } catch (error) {
            // Not marked means sent again later: a duplicate the backend drops, never a loss.
            logger.error({ err: error }, 'could not mark events as sent');
          }
          logger.debug({ from: first.seq, to: last.seq }, 'events acknowledged by broker');
          if (generation === this.generation && !this.paused) this.retryBackoff.reset();
          this.settle(generation);
        },
        (error: unknown) => {
          if (generation !== this.generation) return;
          this.inFlight -= 1;
          // A dropped connection is handled by the reconnect; anything else pauses the drain and resends later.
          if (!uplink.isConnected) return;
          logger.warn({ err: error, from: first.seq, to: last.seq }, 'publish not delivered; resending from the oldest unsent event');
          this.paused = true;
          this.scheduleRetry();
        },
      );
    }
    this.wakeIdleWaiters();
  }

  private settle(generation: number): void {
    if (generation !== this.generation) return;
    this.inFlight -= 1;
    this.pump();
  }

  /** The broker took the connection but refused a publish: resend from the oldest unsent row after a growing pause. */
  private scheduleRetry(): void {
    // One pending retry covers every batch refused meanwhile.
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.restart();
    }, this.retryBackoff.next() + 1);
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
