/**
 * The reference ingest: the backend half of the protocol, as running code.
 *
 *   broker ──$share/<group>/kiosk/v1/+/events──► consumers (N MQTT 5 clients) ──► validate ──► group commit (SQLite)
 *                                                                                                  │
 *   kiosk ◄── kiosk/v1/{deviceId}/ack (retained, QoS 1, highest contiguous seq stored) ◄────────────┘
 *
 * Consumers share one subscription (MQTT 5 shared subscription), so the broker
 * spreads the fleet's messages over them; each keeps a persistent session, so
 * messages wait in the broker while a consumer restarts. Duplicates are dropped
 * by (deviceId, seq); events may arrive out of order (two lanes per kiosk, several
 * consumers) and the watermark only rises over contiguous seqs, so a gap is never
 * acknowledged. A PUBACK from here means only "received": what counts is the
 * acknowledgement, published after the commit. The store runs in its own
 * thread (ingest-writer.ts), so a commit overlaps the checking of what arrives
 * meanwhile; when it falls behind by `maxQueuedBytes`, the consumers stop
 * reading their sockets and the broker holds the rest. docs/fleet.md.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Logger } from '../ops/logger.js';
import { ACK_SCHEMA, type EventsAck } from '../protocol/ack.js';
import { parseTopic, topicFor, topicSettings, TOPIC_ROOT } from '../protocol/topics.js';
import { BatchValidator } from './batch-validator.js';
import { IngestStore, type DeviceProgress, type IncomingBatch, type StoreOutcome } from './ingest-store.js';
import { IngestWriter } from './ingest-writer.js';

export interface IngestOptions {
  url: string;
  storePath: string;
  logger: Logger;
  /** Shared-subscription group: consumers of one group split the messages between them. */
  group?: string;
  consumers?: number;
  /** Client ids are `<clientIdPrefix>-<n>`; the same prefix after a restart resumes the persistent sessions. */
  clientIdPrefix?: string;
  username?: string;
  password?: string;
  /** For mqtts:// URLs: the CA that signed the broker's certificate, and a client certificate for mutual TLS. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Most messages the broker may send a consumer before its PUBACKs (MQTT 5 Receive Maximum). */
  receiveMaximum?: number;
  /**
   * At most one round of acknowledgements per this long: the first commit after a quiet interval is acknowledged at
   * once, what commits within the interval goes in one publish per device at its end (and one watermark update on the
   * kiosk instead of one per commit). Default 25 ms; 0 publishes after every commit.
   */
  ackIntervalMs?: number;
  /** Checked messages waiting for the writer beyond this many bytes pause the consumers' sockets (default 32 MiB). */
  maxQueuedBytes?: number;
}

export interface IngestStats {
  messages: number;
  events: number;
  duplicates: number;
  parked: number;
  acksPublished: number;
  /** Times the consumers were paused because the writer fell behind by `maxQueuedBytes`. */
  pauses: number;
}

export interface IngestEvents {
  /** A device's watermark rose (the acknowledgement has been handed to the broker). */
  acknowledged: [deviceId: string, ackedSeq: number];
  /** The writer thread died: nothing more is stored or acknowledged (the kiosks keep their events). Stop and start again. */
  failed: [error: Error];
}

export class Ingest extends EventEmitter<IngestEvents> {
  /** A read-only view of the store: what the writer thread has committed. */
  store!: IngestStore;
  private writer: IngestWriter | undefined;
  private readonly validator = new BatchValidator();
  private readonly clients: MqttClient[] = [];
  private queue: IncomingBatch[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  /** The commit in progress in the writer thread, if any. */
  private committing: Promise<void> | undefined;
  private readingPaused = false;
  /** Consumers' messages held while reading is paused: calling one lets its client go on. */
  private heldMessages: Array<() => void> = [];
  private lastPauseWarning = Number.NEGATIVE_INFINITY;
  /** Watermarks waiting for the next acknowledgement round, by device. */
  private pendingAcks = new Map<string, number>();
  private ackTimer: NodeJS.Timeout | undefined;
  /** When the last round of acknowledgements went out (performance.now()). */
  private lastAckRound = Number.NEGATIVE_INFINITY;
  private readonly counters: IngestStats = { messages: 0, events: 0, duplicates: 0, parked: 0, acksPublished: 0, pauses: 0 };
  private stopped = false;

  private constructor(private readonly options: IngestOptions) {
    super();
  }

  static async start(options: IngestOptions): Promise<Ingest> {
    const ingest = new Ingest(options);
    try {
      ingest.writer = await IngestWriter.start(options.storePath);
      ingest.writer.onDeath = (error) => {
        options.logger.fatal({ err: error }, 'ingest writer thread died: nothing is stored any more');
        ingest.emit('failed', error);
      };
      ingest.store = new IngestStore(options.storePath, { readOnly: true });
      await ingest.connect();
    } catch (error) {
      await ingest.stop();
      throw error;
    }
    return ingest;
  }

  stats(): IngestStats {
    return { ...this.counters };
  }

  progress(deviceId: string): DeviceProgress {
    return this.store.progress(deviceId);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Whatever was received is committed and acknowledged before the consumers go.
    while (this.committing || this.queue.length > 0) {
      this.flush();
      await this.committing;
    }
    clearTimeout(this.ackTimer);
    this.publishAcks();
    await Promise.all(this.clients.map((client) => client.endAsync(false).catch(() => undefined)));
    await this.writer?.close();
    this.store?.close();
  }

  private async connect(): Promise<void> {
    const { url, group = 'ingest', consumers = 2, clientIdPrefix = `ingest-${group}`, receiveMaximum = 64 } = this.options;
    for (let n = 0; n < consumers; n += 1) {
      const clientOptions: IClientOptions = {
        protocolVersion: 5,
        clientId: `${clientIdPrefix}-${n}`,
        clean: false,
        // Back soon after a broker restart: until a consumer is, what kiosks send to the shared subscription waits for their ack timeout.
        reconnectPeriod: 250,
        properties: { sessionExpiryInterval: 24 * 3600, receiveMaximum },
      };
      if (this.options.username !== undefined) clientOptions.username = this.options.username;
      if (this.options.password !== undefined) clientOptions.password = this.options.password;
      Object.assign(clientOptions, this.options.tls ?? {});
      const client = await mqtt.connectAsync(url, clientOptions);
      const subscription = `$share/${group}/${TOPIC_ROOT}/+/events`;
      client.on('message', (topic, payload) => this.receive(topic, payload));
      this.holdWhileBehind(client);
      client.on('error', (error) => this.options.logger.warn({ err: error, consumer: n }, 'ingest consumer error'));
      // On every reconnect, whatever the broker says of the session: a broker restored from its persistence file may
      // report the session present without its shared subscription (seen with mosquitto 2.0), and then nothing arrives.
      // (`resubscribe: true` makes mqtt.js send it although it believes the subscription already stands.)
      client.on('connect', (connack) => {
        const again: ISubscriptionMap = Object.assign({ [subscription]: { qos: 1 as const } }, { resubscribe: true });
        client.subscribe(again, (error) => {
          if (error) this.options.logger.error({ err: error, consumer: n }, 'ingest could not subscribe');
          else this.options.logger.info({ consumer: n, sessionPresent: connack.sessionPresent }, 'ingest consumer reconnected');
        });
      });
      this.clients.push(client);
      await client.subscribeAsync(subscription, { qos: 1 });
    }
    this.options.logger.info({ url, group, consumers }, 'ingest consuming');
  }

  private receive(topic: string, payload: Buffer): void {
    this.counters.messages += 1;
    const parsed = parseTopic(topic);
    if (!parsed || parsed.name !== 'events') return;
    const verdict = this.validator.check(parsed.deviceId, payload);
    if (!verdict.ok) {
      // Kept for replay once understood (a newer format) or for a bug report (invalid): never dropped, never guessed.
      this.counters.parked += 1;
      this.options.logger.warn({ topic, reason: verdict.reason, detail: verdict.detail }, 'message parked');
      this.writer
        ?.park({ deviceId: verdict.deviceId, topic, reason: verdict.reason, detail: verdict.detail, payload }, new Date().toISOString())
        .catch((error: unknown) => this.options.logger.error({ err: error, topic }, 'parked message not stored'));
      return;
    }
    this.queue.push({ deviceId: verdict.deviceId, payload: verdict.payload, seqs: verdict.seqs, erasures: verdict.erasures });
    this.queuedBytes += verdict.payload.length;
    if (this.queuedBytes > (this.options.maxQueuedBytes ?? 32 * 1024 * 1024)) this.pauseReading(true);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything that arrived in this turn of the event loop, or while a commit ran, commits together: one fsync for many messages.
      setImmediate(() => this.flush());
    }
  }

  /**
   * Stops (or restarts) taking messages from the consumers. mqtt.js handles a client's incoming packets one at a time
   * and goes on to the next (and sends this one's PUBACK) only when `handleMessage` calls back: held, the client stops
   * reading its socket, TCP pushes back, and the broker keeps what it has not delivered. (Pausing the socket itself does
   * not hold: mqtt.js pipes it, and the pipe resumes it.)
   */
  private pauseReading(pause: boolean): void {
    if (this.readingPaused === pause) return;
    this.readingPaused = pause;
    if (pause) {
      this.counters.pauses += 1;
      // Under a sustained overload this toggles with every commit: one warning per 10 s, with the count, not a flood.
      const now = performance.now();
      if (now - this.lastPauseWarning >= 10_000) {
        this.lastPauseWarning = now;
        this.options.logger.warn({ queuedBytes: this.queuedBytes, pauses: this.counters.pauses }, 'ingest writer behind: consumers paused');
      }
    } else {
      this.options.logger.debug({ queuedBytes: this.queuedBytes }, 'ingest writer caught up: consumers reading again');
      for (const release of this.heldMessages.splice(0)) release();
    }
  }

  /** mqtt.js's hook after each message is handed over (see pauseReading); a held message's PUBACK waits too. */
  private holdWhileBehind(client: MqttClient): void {
    client.handleMessage = (_packet, callback) => {
      if (!this.readingPaused) {
        callback();
        return;
      }
      const stream = client.stream;
      // A callback of a connection that has closed meanwhile is dropped: its PUBACK would name a packet id of the old session.
      this.heldMessages.push(() => {
        if (client.stream === stream && !stream.destroyed) callback();
      });
    };
  }

  /** Hands what is queued to the writer thread, unless a commit is running (then it goes when that one is done). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.committing || this.queue.length === 0 || !this.writer) return;
    const batches = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.pauseReading(false);
    this.committing = this.writer
      .store(batches, new Date().toISOString())
      .then(
        (outcome) => this.committed(outcome),
        // Not stored means not acknowledged: the kiosks send these again after their ack timeout.
        (error: unknown) => this.options.logger.error({ err: error, batches: batches.length }, 'ingest commit failed'),
      )
      .finally(() => {
        this.committing = undefined;
        if (!this.stopped) this.flush();
      });
  }

  private committed(outcome: StoreOutcome): void {
    this.counters.events += outcome.stored;
    this.counters.duplicates += outcome.duplicates;
    for (const [deviceId, ackedSeq] of outcome.acks) this.pendingAcks.set(deviceId, Math.max(ackedSeq, this.pendingAcks.get(deviceId) ?? 0));
    if (this.ackTimer || this.pendingAcks.size === 0) return;
    const wait = this.lastAckRound + (this.options.ackIntervalMs ?? 25) - performance.now();
    if (wait <= 0) this.publishAcks();
    else
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        this.publishAcks();
      }, wait);
  }

  private publishAcks(): void {
    this.lastAckRound = performance.now();
    const acks = this.pendingAcks;
    this.pendingAcks = new Map();
    for (const [deviceId, ackedSeq] of acks) this.acknowledge(deviceId, ackedSeq);
  }

  private acknowledge(deviceId: string, ackedSeq: number): void {
    const publisher = this.clients.find((client) => client.connected);
    if (!publisher) return;
    const ack: EventsAck = { schema: ACK_SCHEMA, deviceId, ackedSeq, time: new Date().toISOString() };
    const { qos, retain } = topicSettings.ack;
    publisher.publish(topicFor('ack', deviceId), JSON.stringify(ack), { qos, retain }, (error) => {
      if (error) {
        this.options.logger.warn({ err: error, deviceId }, 'acknowledgement not published');
        return;
      }
      this.counters.acksPublished += 1;
      this.emit('acknowledged', deviceId, ackedSeq);
    });
  }
}
