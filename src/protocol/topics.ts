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

export const topicSettings: Readonly<Record<TopicName, { qos: 0 | 1; retain: boolean }>> = {
  events: { qos: 1, retain: false },
  status: { qos: 1, retain: true },
};

export function topicFor(name: TopicName, deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/${name}`;
}

/** Wildcard a backend subscribes to for one topic across the fleet. */
export function fleetTopic(name: TopicName): string {
  return `${TOPIC_ROOT}/+/${name}`;
}
