import mqtt, { type MqttClient } from 'mqtt';
import type { EventsBatch, KioskEvent } from '../../src/protocol/events.js';
import type { KioskStatus } from '../../src/protocol/status.js';
import { fleetTopic } from '../../src/protocol/topics.js';
import { waitFor } from './wait-for.js';

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

/**
 * A backend stand-in that records what arrives on the fleet topics.
 * `persistent` keeps an MQTT 5 session on the broker, so messages published
 * while it is away are queued for it, as for a real backend consumer.
 */
export class TestSubscriber {
  readonly messages: ReceivedMessage[] = [];
  private client: MqttClient | undefined;

  constructor(
    private readonly url: string,
    private readonly clientId = `test-sub-${Math.random().toString(16).slice(2)}`,
    private readonly persistent = false,
  ) {}

  async connect(): Promise<void> {
    this.client = await mqtt.connectAsync(this.url, {
      protocolVersion: 5,
      clientId: this.clientId,
      clean: !this.persistent,
      reconnectPeriod: 0,
      properties: this.persistent ? { sessionExpiryInterval: 3600 } : {},
    });
    this.client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain });
    });
    await this.client.subscribeAsync([fleetTopic('events'), fleetTopic('status')], { qos: 1 });
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync();
    this.client = undefined;
  }

  batches(): EventsBatch[] {
    return this.messages.filter((m) => m.topic.endsWith('/events')).map((m) => JSON.parse(m.payload) as EventsBatch);
  }

  /** Every event received, in arrival order, duplicates included. */
  events(): KioskEvent[] {
    return this.batches().flatMap((batch) => batch.events);
  }

  deposits(): KioskEvent[] {
    return this.events().filter((event) => event.type.startsWith('deposit.'));
  }

  statuses(): KioskStatus[] {
    return this.messages.filter((m) => m.topic.endsWith('/status')).map((m) => JSON.parse(m.payload) as KioskStatus);
  }

  waitForEvents(predicate: (events: KioskEvent[]) => boolean, description: string, timeoutMs = 30_000): Promise<KioskEvent[]> {
    return waitFor(() => (predicate(this.events()) ? this.events() : undefined), { description, timeoutMs });
  }
}
