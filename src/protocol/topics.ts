import type { EventsAck } from './ack.js';
import type { CommandResult } from './commands.js';
import type { EventsBatch } from './events.js';
import type { ShadowReported } from './shadow.js';
import type { SignedDocument } from './signed.js';
import type { KioskStatus } from './status.js';
import type { TelemetryBatch } from './telemetry.js';

/**
 * The MQTT contract as one typed map: topic name -> payload type, with
 * direction, QoS and retain fixed per topic. Every publisher and subscriber in
 * the project goes through `topicFor`, so a topic string is written exactly
 * once. docs/protocol.md describes each topic.
 */
export const TOPIC_ROOT = 'kiosk/v1';

export interface TopicPayloads {
  // kiosk -> backend
  events: EventsBatch;
  status: KioskStatus;
  telemetry: TelemetryBatch;
  'command-results': CommandResult;
  'shadow/reported': ShadowReported;
  // backend -> kiosk
  ack: EventsAck;
  commands: SignedDocument;
  'shadow/desired': SignedDocument;
}

export type TopicName = keyof TopicPayloads;

export interface TopicSettings {
  /** up: kiosk publishes, backend subscribes; down: backend publishes, kiosk subscribes. */
  direction: 'up' | 'down';
  qos: 0 | 1;
  retain: boolean;
  /** A publish that no subscription matched (MQTT 5 reason 0x10) counts as not delivered and is resent. */
  requiresSubscriber: boolean;
  /** Down topics: a larger payload is refused unread (bytes). */
  maxBytes?: number;
}

export const topicSettings: Readonly<Record<TopicName, TopicSettings>> = {
  events: { direction: 'up', qos: 1, retain: false, requiresSubscriber: true },
  status: { direction: 'up', qos: 1, retain: true, requiresSubscriber: false },
  telemetry: { direction: 'up', qos: 1, retain: false, requiresSubscriber: true },
  'command-results': { direction: 'up', qos: 1, retain: false, requiresSubscriber: false },
  'shadow/reported': { direction: 'up', qos: 1, retain: true, requiresSubscriber: false },
  ack: { direction: 'down', qos: 1, retain: true, requiresSubscriber: false, maxBytes: 1024 },
  commands: { direction: 'down', qos: 1, retain: false, requiresSubscriber: false, maxBytes: 64 * 1024 },
  'shadow/desired': { direction: 'down', qos: 1, retain: true, requiresSubscriber: false, maxBytes: 64 * 1024 },
};

export const downTopics = (Object.keys(topicSettings) as TopicName[]).filter((name) => topicSettings[name].direction === 'down');

export function topicFor(name: TopicName, deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/${name}`;
}

/** Wildcard a backend subscribes to for one topic across the fleet. */
export function fleetTopic(name: TopicName): string {
  return `${TOPIC_ROOT}/+/${name}`;
}

/** The topic name and device of a concrete topic string, or undefined when it is not one of ours. */
export function parseTopic(topic: string): { name: TopicName; deviceId: string } | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const name = rest.slice(slash + 1);
  return name in topicSettings ? { name: name as TopicName, deviceId: rest.slice(0, slash) } : undefined;
}
