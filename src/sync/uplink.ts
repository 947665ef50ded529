import type { EventEmitter } from 'node:events';
import type { TopicName } from '../protocol/topics.js';

/** A message from the backend on one of this kiosk's down topics (ack, commands, shadow/desired). */
export interface DownlinkMessage {
  name: TopicName;
  payload: Buffer;
  /** Larger than the topic allows (topicSettings.maxBytes): handlers refuse it unread. */
  tooLarge: boolean;
  retained: boolean;
}

export interface UplinkEvents {
  connected: [];
  disconnected: [reason: string];
  message: [message: DownlinkMessage];
}

/**
 * The link to the backend. `publish` resolves once the broker has taken the
 * message (PUBACK for QoS 1) and rejects when the link drops first; the
 * caller's durable store, not the uplink, is what remembers unsent data.
 */
export interface Uplink extends EventEmitter<UplinkEvents> {
  readonly isConnected: boolean;
  /**
   * How many QoS 1 publishes may await their PUBACK on this connection: the
   * broker's Receive Maximum (MQTT 5 CONNACK; 65535 when it sets none). The
   * uplink never exceeds it; callers size their windows below it.
   */
  readonly receiveMaximum: number;
  /** Begins connecting in the background and returns at once: start-up never waits for the network. */
  start(): void;
  /** Says goodbye (retained offline status) when connected, then closes. */
  stop(): Promise<void>;
  publish(topic: TopicName, body: string | Buffer): Promise<void>;
}
