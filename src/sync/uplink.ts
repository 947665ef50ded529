import type { EventEmitter } from 'node:events';
import type { TopicName } from '../protocol/topics.js';

export interface UplinkEvents {
  connected: [];
  disconnected: [reason: string];
}

/**
 * The link to the backend. `publish` resolves once the broker has taken the
 * message (PUBACK for QoS 1) and rejects when the link drops first; the
 * caller's durable outbox, not the uplink, is what remembers unsent data.
 */
export interface Uplink extends EventEmitter<UplinkEvents> {
  readonly isConnected: boolean;
  /** Begins connecting in the background and returns at once: start-up never waits for the network. */
  start(): void;
  /** Says goodbye (retained offline status) when connected, then closes. */
  stop(): Promise<void>;
  publish(topic: TopicName, body: string): Promise<void>;
}
