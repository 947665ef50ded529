import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff } from '../ops/backoff.js';
import type { Clock } from '../ops/clock.js';
import type { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { STATUS_SCHEMA, type KioskStatus } from '../protocol/status.js';
import { topicFor, topicSettings, type TopicName } from '../protocol/topics.js';
import { readBrokerTlsFiles, type BrokerTlsFiles } from './broker-tls.js';
import type { Uplink, UplinkEvents } from './uplink.js';

/** MQTT 5 PUBACK reason code 0x10: accepted, but no subscription matched. */
const NO_MATCHING_SUBSCRIBERS = 0x10;

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
 * SQLite outbox stays the only queue.
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

  constructor(private readonly options: MqttUplinkOptions) {
    super();
    this.backoff = new Backoff(options.broker.reconnect, options.random);
    this.tls = readBrokerTlsFiles(options.broker);
  }

  get isConnected(): boolean {
    return this.connected;
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
  }

  publish(topic: TopicName, body: string): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) {
      return Promise.reject(new KioskError(ErrorCode.UplinkNotConnected, 'not connected to the broker', { topic }));
    }
    return this.publishOn(client, topic, body);
  }

  private publishOn(client: MqttClient, topic: TopicName, body: string): Promise<void> {
    const { qos, retain } = topicSettings[topic];
    return new Promise((resolve, reject) => {
      client.publish(topicFor(topic, this.options.deviceId), body, { qos, retain }, (error, packet) => {
        const reasonCode = this.takePubackReason(client, packet?.messageId) ?? (packet && 'reasonCode' in packet ? packet.reasonCode : undefined);
        if (error) {
          reject(new KioskError(ErrorCode.UplinkPublishFailed, `publish to ${topic} failed: ${error.message}`, { topic, reasonCode }, { cause: error }));
        } else if (reasonCode === NO_MATCHING_SUBSCRIBERS && topicSettings[topic].requiresSubscriber) {
          // The broker took it but nobody (no backend session) will receive it: not delivered.
          reject(new KioskError(ErrorCode.UplinkPublishFailed, `no subscriber for ${topic} (reason 0x10)`, { topic, reasonCode }));
        } else if (reasonCode !== undefined && reasonCode >= 0x80) {
          reject(new KioskError(ErrorCode.UplinkPublishFailed, `broker refused publish to ${topic} (reason 0x${reasonCode.toString(16)})`, { topic, reasonCode }));
        } else {
          resolve();
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

    client.on('connect', () => {
      if (this.client !== client) return;
      this.connected = true;
      this.failedAttempts = 0;
      this.backoff.reset();
      logger.info({ broker: broker.url }, 'connected to broker');
      this.publishOn(client, 'status', JSON.stringify(this.status(true))).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not publish birth message'),
      );
      this.emit('connected');
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      logger.debug({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'broker connection error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      const wasConnected = this.connected;
      this.connected = false;
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
