/**
 * Drains the SQLite outbox to the uplink, and prunes it on the backend's acknowledgement.
 *
 *   EventStore ──pending()──► batch ──publish()──► Uplink ──PUBACK──► delivered (memory)
 *        ▲                                                                │
 *        └──────── acknowledge(ackedSeq) ◄── kiosk/v1/{id}/ack ◄── backend stored them
 *
 * Two lanes share one connection. Events appended after the connection came up
 * are *live*: published at once, ahead of anything else. Events that were
 * waiting are the *backlog*: they start after a random wait (when there are
 * more than a batch) and go at most `backlog.eventsPerSecond`, so a fleet back
 * from an outage neither reconnects nor drains in lock-step, and a consumer's
 * deposit is never stuck behind a day of history. Within each lane seqs go out
 * in increasing order; the backend orders by seq and acknowledges the highest
 * contiguous one it has stored.
 *
 * Only the outbox queues: at most the window of batches awaits PUBACK (our
 * inFlightMax, below the broker's Receive Maximum), and at most
 * `unackedMaxEvents` are delivered but not acknowledged. Events the backend has
 * not acknowledged are published again on every reconnect and when the
 * acknowledgement is `ackTimeoutMs` late (a broker may drop what it PUBACKed);
 * the backend drops the duplicates by (deviceId, seq).
 */
import { EventEmitter } from 'node:events';
import type { DeviceConfig } from '../ops/config/schema.js';
import { Backoff } from '../ops/backoff.js';
import { ErrorCode, isKioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { EventsAck } from '../protocol/ack.js';
import type { EventStore, OutboxEntry } from '../store/event-store.js';
import { encodeEventsBatch } from './events-batch.js';
import { TokenBucket } from './token-bucket.js';
import type { DownlinkMessage, Uplink } from './uplink.js';

export type SyncState = 'offline' | 'draining' | 'idle' | 'parked';

export interface OutboxSyncEvents {
  state: [state: SyncState];
  /** The backend acknowledged through this seq (its rows are pruned in steps right after). */
  acknowledged: [ackedSeq: number];
  /** Pruning has deleted every acknowledged row (this many in this series of steps): their space is free. */
  pruned: [rows: number];
}

export interface OutboxSyncOptions {
  store: EventStore;
  uplink: Uplink;
  deviceId: string;
  settings: DeviceConfig['sync'];
  logger: Logger;
  /** First pause before retrying after a publish the broker refused while connected (default: settings.retry.initialMs). */
  retryDelayMs?: number;
  /** First wait before retrying after the broker refused for good (not authorized, …); doubles up to an hour. */
  parkRetryMs?: number;
  random?: () => number;
  now?: () => number;
}

/** QoS 1 slots left for status, telemetry and command results beside the event batches. */
const RESERVED_SLOTS = 2;

/**
 * Acknowledged rows deleted per step. An acknowledgement can cover thousands of rows; deleted in one go they
 * would hold the event loop (PUBACKs, deposits) for tens of milliseconds, so they go a bounded step per turn.
 */
const PRUNE_STEP_ROWS = 1000;

interface Lane {
  /** Highest seq handed to the uplink in this lane on this connection. */
  cursor: number;
  /** Highest seq of this lane whose PUBACK came (PUBACKs come in publish order, MQTT 5 §4.6). */
  deliveredThrough: number;
}

export class OutboxSync extends EventEmitter<OutboxSyncEvents> {
  private running = false;
  /** Bumped on every (dis)connection and rewind, so late callbacks of an old round change nothing. */
  private generation = 0;
  private inFlight = 0;
  private backlogInFlight = 0;
  private live: Lane = { cursor: 0, deliveredThrough: 0 };
  private backlog: Lane = { cursor: 0, deliveredThrough: 0 };
  /** Last seq of the backlog on this connection: everything older than the connection. */
  private backlogEnd = 0;
  private backlogStartsAt = 0;
  /** Highest seq given out by the store (kept from 'appended', so no query per check). */
  private lastSeq = 0;
  /** Highest seq the broker took on this connection. */
  private deliveredMax = 0;
  /** Highest seq handed to the uplink on this connection (in flight or taken). */
  private handedMax = 0;
  /** The backend's watermark as last applied (the store's, without a query per batch). */
  private ackedSeq = 0;
  /** PUBACK times of delivered batches not yet covered by an acknowledgement, oldest first. */
  private awaitingAck: Array<{ through: number; at: number }> = [];
  private paused: 'retry' | 'park' | undefined;
  private parkedReason: string | null = null;
  private current: SyncState = 'offline';
  private readonly bucket: TokenBucket;
  private readonly retryBackoff: Backoff;
  private readonly parkBackoff: Backoff;
  private readonly random: () => number;
  private readonly now: () => number;
  private timers: { retry?: NodeJS.Timeout; wake?: NodeJS.Timeout; ackTimeout?: NodeJS.Timeout } = {};
  private pruning: NodeJS.Immediate | undefined;
  private prunedInSeries = 0;
  private idleWaiters: Array<() => void> = [];

  private readonly onAppended = (event: { seq: number }): void => {
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    this.pump();
  };
  private readonly onConnected = (): void => this.restart('connected');
  private readonly onDisconnected = (): void => this.disconnected();
  private readonly onMessage = (message: DownlinkMessage): void => {
    if (message.name === 'ack') this.handleAck(message);
  };

  constructor(private readonly options: OutboxSyncOptions) {
    super();
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
    const { backlog, batchMaxEvents } = options.settings;
    this.bucket = new TokenBucket(backlog.eventsPerSecond, Math.max(batchMaxEvents, backlog.eventsPerSecond), this.now);
    this.retryBackoff = new Backoff(options.retryDelayMs === undefined ? options.settings.retry : { initialMs: options.retryDelayMs, maxMs: options.settings.retry.maxMs }, this.random);
    this.parkBackoff = new Backoff({ initialMs: options.parkRetryMs ?? 60_000, maxMs: 3_600_000 }, this.random);
  }

  get state(): SyncState {
    return this.current;
  }

  /** Why the drain is parked (the broker's reason), or null. */
  get parked(): string | null {
    return this.parkedReason;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { store, uplink } = this.options;
    this.lastSeq = store.stats().lastSeq;
    store.on('appended', this.onAppended);
    uplink.on('connected', this.onConnected);
    uplink.on('disconnected', this.onDisconnected);
    uplink.on('message', this.onMessage);
    // Rows acknowledged before a restart (or a power cut) may still be there.
    this.schedulePrune();
    if (uplink.isConnected) this.restart('started');
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    clearImmediate(this.pruning);
    this.pruning = undefined;
    const { store, uplink } = this.options;
    store.off('appended', this.onAppended);
    uplink.off('connected', this.onConnected);
    uplink.off('disconnected', this.onDisconnected);
    uplink.off('message', this.onMessage);
    this.wakeIdleWaiters();
  }

  /**
   * Publishes now what waits (the technician's `sync now`, the backend's
   * sync.now): a parked or paused drain resends at once, and the backlog skips
   * its start wait and rate limit for this round. Nothing happens while the link is down.
   */
  nudge(): void {
    if (!this.running || !this.options.uplink.isConnected) return;
    if (this.paused) this.resume();
    this.backlogStartsAt = 0;
    this.pump();
  }

  /** Waits until everything written so far has been taken by the broker, or the time is up; true when it was. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    this.backlogStartsAt = 0;
    this.pump();
    while (!this.allDelivered()) {
      const remaining = deadline - this.now();
      if (remaining <= 0 || !this.running || !this.options.uplink.isConnected) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 100));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  private allDelivered(): boolean {
    return this.inFlight === 0 && this.live.deliveredThrough >= this.lastSeq && this.backlog.deliveredThrough >= this.backlogEnd;
  }

  /** A new round from the backend's watermark: on connect, and when an acknowledgement is overdue. */
  private restart(why: 'connected' | 'started' | 'ack-timeout'): void {
    if (!this.running) return;
    this.clearTimers();
    this.generation += 1;
    this.inFlight = 0;
    this.backlogInFlight = 0;
    this.paused = undefined;
    this.parkedReason = null;
    this.awaitingAck = [];
    const { ackedSeq, lastSeq } = this.options.store.stats();
    this.lastSeq = lastSeq;
    this.ackedSeq = ackedSeq;
    this.deliveredMax = ackedSeq;
    this.handedMax = ackedSeq;
    const backlogSize = lastSeq - ackedSeq;
    // A handful of events (a short blip, a restart) is no backlog: they go first, in order, with what follows.
    const real = backlogSize > this.options.settings.batchMaxEvents;
    this.backlogEnd = real ? lastSeq : ackedSeq;
    this.backlog = { cursor: ackedSeq, deliveredThrough: ackedSeq };
    this.live = { cursor: this.backlogEnd, deliveredThrough: this.backlogEnd };
    // A real backlog waits its random turn, so a fleet back from an outage does not drain in lock-step.
    const jitter = why === 'connected' && real ? this.random() * this.options.settings.backlog.startJitterMs : 0;
    this.backlogStartsAt = this.now() + jitter;
    if (backlogSize > 0) this.options.logger.info({ backlog: backlogSize, fromSeq: ackedSeq + 1, startsInMs: Math.round(jitter), why }, 'draining the outbox backlog');
    this.pump();
  }

  private disconnected(): void {
    this.clearTimers();
    this.generation += 1;
    this.inFlight = 0;
    this.backlogInFlight = 0;
    this.setState('offline');
    this.wakeIdleWaiters();
  }

  private window(): number {
    const { inFlightMax } = this.options.settings;
    return Math.max(1, Math.min(inFlightMax, this.options.uplink.receiveMaximum - RESERVED_SLOTS));
  }

  private pump(): void {
    const { store, uplink, settings } = this.options;
    while (this.running && uplink.isConnected && !this.paused) {
      const window = this.window();
      if (this.inFlight >= window) break;
      if (this.handedMax - this.ackedSeq >= settings.unackedMaxEvents) break;
      const live = store.pending(Math.max(this.live.cursor, this.backlogEnd), settings.batchMaxEvents, settings.batchMaxBytes);
      if (live.length > 0) {
        this.send(live, this.live, false);
        continue;
      }
      if (this.backlog.cursor >= this.backlogEnd) break;
      // One slot stays free for live events whenever the window has more than one.
      if (window > 1 && this.backlogInFlight >= window - 1) break;
      const waitMs = Math.max(0, this.backlogStartsAt - this.now());
      if (waitMs > 0) {
        this.wakeIn(waitMs);
        break;
      }
      const entries = store
        .pending(this.backlog.cursor, Math.min(settings.batchMaxEvents, this.backlogEnd - this.backlog.cursor), settings.batchMaxBytes)
        .filter((entry) => entry.seq <= this.backlogEnd);
      if (entries.length === 0) {
        // The rest was acknowledged (deleted) meanwhile.
        this.backlog.cursor = this.backlogEnd;
        this.backlog.deliveredThrough = Math.max(this.backlog.deliveredThrough, this.backlogEnd);
        continue;
      }
      if (this.backlogStartsAt !== 0 && !this.bucket.take(entries.length)) {
        this.wakeIn(this.bucket.waitMs(entries.length));
        break;
      }
      this.send(entries, this.backlog, true);
    }
    this.updateState();
    this.wakeIdleWaiters();
  }

  private send(entries: OutboxEntry[], lane: Lane, backlog: boolean): void {
    const { uplink, deviceId, logger } = this.options;
    const first = entries[0]!.seq;
    const last = entries.at(-1)!.seq;
    const generation = this.generation;
    lane.cursor = last;
    this.handedMax = Math.max(this.handedMax, last);
    this.inFlight += 1;
    if (backlog) this.backlogInFlight += 1;
    uplink.publish('events', encodeEventsBatch(deviceId, entries)).then(
      () => {
        if (generation !== this.generation) return;
        this.inFlight -= 1;
        if (backlog) this.backlogInFlight -= 1;
        lane.deliveredThrough = last;
        this.deliveredMax = Math.max(this.deliveredMax, last);
        this.awaitingAck.push({ through: last, at: this.now() });
        this.armAckTimeout();
        this.retryBackoff.reset();
        this.parkBackoff.reset();
        logger.trace({ from: first, to: last }, 'events taken by the broker');
        this.pump();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.inFlight -= 1;
        if (backlog) this.backlogInFlight -= 1;
        // A dropped connection is handled by the reconnect, which resends from the watermark.
        if (!uplink.isConnected) return;
        this.rewindToDelivered();
        if (isKioskError(error, ErrorCode.UplinkPublishParked)) {
          this.park(error.message, first, last);
        } else {
          logger.warn({ err: error, from: first, to: last }, 'publish not taken; resending from the first undelivered event');
          this.pauseForRetry();
        }
      },
    );
  }

  private handleAck(message: DownlinkMessage): void {
    const { store, deviceId, logger } = this.options;
    if (message.tooLarge) {
      logger.warn({ bytes: message.payload.length }, 'acknowledgement too large; ignored');
      return;
    }
    let ack: EventsAck;
    try {
      ack = EventsAck.parse(JSON.parse(message.payload.toString('utf8')));
    } catch (error) {
      logger.warn({ err: error }, 'malformed acknowledgement; ignored');
      return;
    }
    if (ack.deviceId !== deviceId) {
      logger.warn({ deviceId: ack.deviceId }, 'acknowledgement for another device; ignored');
      return;
    }
    try {
      // Only the watermark now; the rows go in steps (schedulePrune), so this message does not hold up the drain.
      store.acknowledge(ack.ackedSeq, 0);
    } catch (error) {
      // Not applied means acknowledged again later: rows stay, nothing is lost.
      logger.error({ err: error }, 'could not apply acknowledgement');
      return;
    }
    // The store ignores a watermark beyond the last seq given out; so does this copy of it.
    const acked = ack.ackedSeq <= this.lastSeq ? Math.max(this.ackedSeq, ack.ackedSeq) : this.ackedSeq;
    const rose = acked > this.ackedSeq;
    this.ackedSeq = acked;
    while (this.awaitingAck[0] && this.awaitingAck[0].through <= acked) this.awaitingAck.shift();
    this.armAckTimeout();
    this.pump();
    if (rose) {
      logger.debug({ ackedSeq: acked }, 'events acknowledged by the backend');
      this.schedulePrune();
      this.emit('acknowledged', acked);
    }
  }

  /** Deletes acknowledged rows a bounded step per turn of the event loop until none are left. */
  private schedulePrune(): void {
    if (this.pruning !== undefined || !this.running) return;
    this.pruning = setImmediate(() => {
      this.pruning = undefined;
      let deleted: number;
      try {
        deleted = this.options.store.prune(PRUNE_STEP_ROWS);
      } catch (error) {
        // The rows stay (they are never sent again); the next acknowledgement tries again.
        this.options.logger.error({ err: error }, 'could not prune acknowledged events');
        return;
      }
      this.prunedInSeries += deleted;
      if (deleted >= PRUNE_STEP_ROWS) {
        this.schedulePrune();
        return;
      }
      const rows = this.prunedInSeries;
      this.prunedInSeries = 0;
      if (rows > 0) this.emit('pruned', rows);
    });
  }

  private armAckTimeout(): void {
    clearTimeout(this.timers.ackTimeout);
    this.timers.ackTimeout = undefined;
    const oldest = this.awaitingAck[0];
    if (!oldest || !this.running) return;
    const { ackTimeoutMs } = this.options.settings;
    this.timers.ackTimeout = setTimeout(
      () => {
        this.options.logger.warn({ ackedSeq: this.ackedSeq, deliveredSeq: this.deliveredMax, ackTimeoutMs }, 'backend acknowledgement overdue; sending the unacknowledged events again');
        this.restart('ack-timeout');
      },
      Math.max(0, oldest.at + ackTimeoutMs - this.now()),
    );
  }

  private pauseForRetry(): void {
    this.paused = 'retry';
    this.updateState();
    if (this.timers.retry !== undefined) return;
    this.timers.retry = setTimeout(() => {
      this.timers.retry = undefined;
      this.resume();
    }, this.retryBackoff.next() + 1);
  }

  private park(reason: string, from: number, to: number): void {
    const first = this.paused !== 'park';
    this.paused = 'park';
    this.parkedReason = reason;
    if (first) this.options.logger.error({ reason, from, to }, 'broker refuses the events; drain parked, events kept (fix the broker setup; `sync now` retries)');
    this.updateState();
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => {
      this.timers.retry = undefined;
      this.resume();
    }, this.parkBackoff.next() + 1);
  }

  /**
   * After a refused publish: PUBACKs come in publish order, so everything the
   * broker took is already counted; what was sent after the refused batch is
   * forgotten (sent again later, the backend drops the repeats).
   */
  private rewindToDelivered(): void {
    this.generation += 1;
    this.inFlight = 0;
    this.backlogInFlight = 0;
    this.live.cursor = this.live.deliveredThrough;
    this.backlog.cursor = this.backlog.deliveredThrough;
  }

  /** Sends again from the first event the broker has not taken on this connection. */
  private resume(): void {
    if (!this.running) return;
    clearTimeout(this.timers.retry);
    this.timers.retry = undefined;
    this.paused = undefined;
    this.parkedReason = null;
    this.pump();
  }

  private wakeIn(ms: number): void {
    if (this.timers.wake !== undefined) return;
    this.timers.wake = setTimeout(() => {
      this.timers.wake = undefined;
      this.pump();
    }, Math.max(1, ms));
  }

  private updateState(): void {
    if (!this.options.uplink.isConnected) this.setState('offline');
    else if (this.paused === 'park') this.setState('parked');
    else this.setState(this.allDelivered() ? 'idle' : 'draining');
  }

  private setState(state: SyncState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit('state', state);
  }

  private clearTimers(): void {
    clearTimeout(this.timers.retry);
    clearTimeout(this.timers.wake);
    clearTimeout(this.timers.ackTimeout);
    this.timers = {};
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
