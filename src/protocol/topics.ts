import type { EventsBatch } from './events.js';
import type { KioskStatus } from './status.js';

/**
 * The MQTT contract as one typed map: topic name -> payload type, with QoS and
 * retain fixed per topic. Every publisher and subscriber in the project goes
 * through `topicFor`, so a topic string is written exactly once.
 */
export const TOPIC_ROOT = 'kiosk/v1';

export interface TopicPayloads {
  events: EventsBatch;
  status: KioskStatus;
}

export type TopicName = keyof TopicPayloads;

export interface TopicSettings {
  qos: 0 | 1;
  retain: boolean;
  /** A publish that no subscription matched (MQTT 5 reason 0x10) counts as not delivered and is resent. */
  requiresSubscriber: boolean;
}

export const topicSettings: Readonly<Record<TopicName, TopicSettings>> = {
  events: { qos: 1, retain: false, requiresSubscriber: true },
  status: { qos: 1, retain: true, requiresSubscriber: false },
};

export function topicFor(name: TopicName, deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/${name}`;
}

/** Wildcard a backend subscribes to for one topic across the fleet. */
export function fleetTopic(name: TopicName): string {
  return `${TOPIC_ROOT}/+/${name}`;
}
