import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { Backoff } from '../ops/backoff.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { STATUS_SCHEMA, type KioskStatus } from '../protocol/status.js';
import { downTopics, parseTopic, topicFor, topicSettings, type TopicName } from '../protocol/topics.js';
import { readBrokerTlsFiles, type BrokerTlsFiles } from './broker-tls.js';
import { PublishQuota } from './publish-quota.js';
import { describeReasonCode, publishVerdict } from './reason-codes.js';
import type { Uplink, UplinkEvents } from './uplink.js';

/** MQTT 5 default when the CONNACK carries no Receive Maximum. */
const NO_RECEIVE_MAXIMUM = 65_535;

/**
 * Largest packet the kiosk accepts (MQTT 5 CONNECT Maximum Packet Size). The
 * broker must drop anything larger for this client instead of sending it
 * (§3.1.2.11.4), so a 10 MB garbage "command" never reaches the board's memory.
 */
export const MAX_INBOUND_PACKET_BYTES = 256 * 1024;

export interface MqttUplinkOptions {
  broker: DeviceConfig['broker'];
  deviceId: string;
  stationId: string;
  runtimeVersion: string;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

/**
 * MQTT 5 uplink. Each connection attempt uses a fresh mqtt.js client with its
 * own reconnect turned off: we schedule reconnects ourselves with full-jitter
 * backoff, and a dropped connection takes its in-memory queue with it, so the
 * SQLite stores stay the only queues. On every connect it subscribes to this
 * kiosk's down topics (ack, commands, shadow/desired) and emits their messages.
 */
export class MqttUplink extends EventEmitter<UplinkEvents> implements Uplink {
  private client: MqttClient | undefined;
  private connected = false;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Failed attempts since the last good connection: the first is a warning, the rest debug noise. */
  private failedAttempts = 0;
  private readonly backoff: Backoff;
  /** broker.caFile/certFile/keyFile, read once at construction so a missing file stops start-up rather than every attempt. */
  private readonly tls: BrokerTlsFiles;
  private quota = new PublishQuota(NO_RECEIVE_MAXIMUM);

  constructor(private readonly options: MqttUplinkOptions) {
    super();
    this.backoff = new Backoff(options.broker.reconnect, options.random);
    this.tls = readBrokerTlsFiles(options.broker);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get receiveMaximum(): number {
    return this.quota.limit;
  }

  start(): void {
    this.stopping = false;
    if (!this.client) this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (this.connected) {
      try {
        await this.publishOn(client, 'status', JSON.stringify(this.status(false)));
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not publish offline status');
      }
      await client.endAsync(false).catch(() => undefined);
    } else {
      await client.endAsync(true).catch(() => undefined);
    }
    this.client = undefined;
    this.connected = false;
    this.quota.close(new KioskError(ErrorCode.UplinkStopped, 'uplink stopped'));
  }

  publish(topic: TopicName, body: string | Buffer): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) {
      return Promise.reject(new KioskError(ErrorCode.UplinkNotConnected, 'not connected to the broker', { topic }));
    }
    return this.publishOn(client, topic, body);
  }

  private async publishOn(client: MqttClient, topic: TopicName, body: string | Buffer): Promise<void> {
    const settings = topicSettings[topic];
    const quota = this.quota;
    if (settings.qos === 1) await quota.acquire();
    // The connection may have changed while waiting for a slot.
    if (this.client !== client) {
      if (settings.qos === 1) quota.release();
      throw new KioskError(ErrorCode.UplinkNotConnected, 'connection lost before publishing', { topic });
    }
    const publishOptions: IClientPublishOptions = { qos: settings.qos, retain: settings.retain };
    return new Promise((resolve, reject) => {
      client.publish(topicFor(topic, this.options.deviceId), body, publishOptions, (error, packet) => {
        if (settings.qos === 1) quota.release();
        // mqtt.js reports a PUBACK >= 0x80 as an error carrying the reason code; a dropped connection as one without.
        const errorReason = typeof (error as { code?: unknown } | undefined)?.code === 'number' ? (error as unknown as { code: number }).code : undefined;
        const reasonCode = this.takePubackReason(client, packet?.messageId) ?? errorReason ?? (packet && 'reasonCode' in packet ? packet.reasonCode : undefined);
        if (error && reasonCode === undefined) {
          reject(new KioskError(ErrorCode.UplinkPublishFailed, `publish to ${topic} failed: ${error.message}`, { topic }, { cause: error }));
          return;
        }
        const verdict = publishVerdict(reasonCode, settings.requiresSubscriber);
        if (verdict === 'delivered') {
          resolve();
        } else {
          const code = verdict === 'park' ? ErrorCode.UplinkPublishParked : ErrorCode.UplinkPublishFailed;
          reject(new KioskError(code, `broker did not take the publish to ${topic}: ${describeReasonCode(reasonCode ?? 0)}`, { topic, reasonCode }));
        }
      });
    });
  }

  /**
   * mqtt.js treats PUBACK reason 0x10 as plain success and does not pass the
   * PUBACK to the publish callback, so the reason codes are noted as packets
   * arrive ('packetreceive' fires before the ack is handled).
   */
  private readonly pubackReasons = new WeakMap<MqttClient, Map<number, number>>();

  private watchPubackReasons(client: MqttClient): void {
    const reasons = new Map<number, number>();
    this.pubackReasons.set(client, reasons);
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && packet.reasonCode !== undefined && packet.reasonCode !== 0) {
        reasons.set(packet.messageId, packet.reasonCode);
      }
    });
  }

  private takePubackReason(client: MqttClient, messageId: number | undefined): number | undefined {
    if (messageId === undefined) return undefined;
    const reasons = this.pubackReasons.get(client);
    const reason = reasons?.get(messageId);
    reasons?.delete(messageId);
    return reason;
  }

  private status(online: boolean): KioskStatus {
    return {
      schema: STATUS_SCHEMA,
      deviceId: this.options.deviceId,
      stationId: this.options.stationId,
      online,
      bootId: this.options.clock.bootId,
      runtimeVersion: this.options.runtimeVersion,
      time: this.options.clock.wallNow().toISOString(),
    };
  }

  private connect(): void {
    const { broker, deviceId, logger } = this.options;
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: `kiosk-${deviceId}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: broker.connectTimeoutMs,
      keepalive: broker.keepaliveSeconds,
      queueQoSZero: false,
      properties: { maximumPacketSize: MAX_INBOUND_PACKET_BYTES },
      will: {
        topic: topicFor('status', deviceId),
        payload: Buffer.from(JSON.stringify(this.status(false))),
        qos: topicSettings.status.qos,
        retain: topicSettings.status.retain,
      },
    };
    if (broker.username !== undefined) clientOptions.username = broker.username;
    if (broker.password !== undefined) clientOptions.password = broker.password;
    // mqtt.js hands these to tls.connect for mqtts:// URLs; a plain mqtt:// URL ignores them.
    if (this.tls.ca) clientOptions.ca = this.tls.ca;
    if (this.tls.cert) clientOptions.cert = this.tls.cert;
    if (this.tls.key) clientOptions.key = this.tls.key;

    const client = mqtt.connect(broker.url, clientOptions);
    this.client = client;
    this.watchPubackReasons(client);

    client.on('connect', (connack) => {
      if (this.client !== client) return;
      // Batches are large, acknowledgements small: Nagle would hold PUBACKs for commands behind delayed ACKs.
      const stream = client.stream as { setNoDelay?: (noDelay: boolean) => void };
      stream.setNoDelay?.(true);
      const receiveMaximum = connack.properties?.receiveMaximum ?? NO_RECEIVE_MAXIMUM;
      this.quota = new PublishQuota(receiveMaximum);
      this.connected = true;
      this.failedAttempts = 0;
      this.backoff.reset();
      logger.info({ broker: broker.url, receiveMaximum }, 'connected to broker');
      this.publishOn(client, 'status', JSON.stringify(this.status(true))).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not publish birth message'),
      );
      client.subscribe(
        downTopics.map((name) => topicFor(name, deviceId)),
        { qos: 1 },
        (error, granted) => {
          if (error) logger.error({ err: error }, 'could not subscribe to the backend topics');
          const refused = (granted ?? []).filter((grant) => grant.qos >= 0x80).map((grant) => grant.topic);
          if (refused.length > 0) logger.error({ refused }, 'broker refused subscriptions to backend topics');
        },
      );
      this.emit('connected');
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client !== client) return;
      const parsed = parseTopic(topic);
      if (!parsed || parsed.deviceId !== deviceId || topicSettings[parsed.name].direction !== 'down') return;
      const maxBytes = topicSettings[parsed.name].maxBytes ?? Number.POSITIVE_INFINITY;
      this.emit('message', { name: parsed.name, payload, tooLarge: payload.length > maxBytes, retained: packet.retain });
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      logger.debug({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'broker connection error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      const wasConnected = this.connected;
      this.connected = false;
      this.quota.close(new KioskError(ErrorCode.UplinkNotConnected, 'connection closed'));
      // Forced end with reconnectPeriod 0 and a clean session fails every pending publish callback.
      client.end(true);
      this.client = undefined;
      if (wasConnected && this.stopping) {
        this.emit('disconnected', 'stopping');
      } else if (wasConnected) {
        logger.warn({ broker: broker.url }, 'lost connection to broker; events stay queued');
        this.emit('disconnected', 'connection closed');
      } else if (this.failedAttempts++ === 0) {
        logger.warn({ broker: broker.url }, 'broker unreachable; events stay queued, retrying with backoff');
      }
      if (!this.stopping) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const waitMs = this.backoff.next();
    this.options.logger.debug({ waitMs }, 'reconnecting to broker');
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopping) this.connect();
    }, waitMs);
  }
}
