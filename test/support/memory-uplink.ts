import { EventEmitter } from 'node:events';
import { ErrorCode, KioskError } from '../../src/ops/errors.js';
import { ACK_SCHEMA } from '../../src/protocol/ack.js';
import type { EventsBatch } from '../../src/protocol/events.js';
import type { TopicName } from '../../src/protocol/topics.js';
import type { Uplink, UplinkEvents } from '../../src/sync/uplink.js';

export interface PendingPublish {
  topic: TopicName;
  body: string;
  /** Seqs of an events batch. */
  seqs: number[];
  succeed(): void;
  refuse(code: ErrorCode, reasonCode: number): void;
}

/**
 * The uplink's in-memory twin for sync unit tests: the test decides when each
 * PUBACK comes (or sets `autoAck`), and sees every publish. Like the real one,
 * a disconnect fails everything in flight.
 */
export class MemoryUplink extends EventEmitter<UplinkEvents> implements Uplink {
  connected = false;
  receiveMaximum = 65_535;
  autoAck = false;
  readonly inFlight: PendingPublish[] = [];
  readonly published: Array<{ topic: TopicName; body: string; seqs: number[] }> = [];
  maxInFlight = 0;

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {}

  async stop(): Promise<void> {
    this.disconnect();
  }

  connect(receiveMaximum = 65_535): void {
    this.receiveMaximum = receiveMaximum;
    this.connected = true;
    this.emit('connected');
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const pending of this.inFlight.splice(0)) pending.refuse(ErrorCode.UplinkNotConnected, 0);
    this.emit('disconnected', 'test');
  }

  publish(topic: TopicName, body: string | Buffer): Promise<void> {
    if (!this.connected) return Promise.reject(new KioskError(ErrorCode.UplinkNotConnected, 'not connected'));
    const text = body.toString();
    const seqs = topic === 'events' ? (JSON.parse(text) as EventsBatch).events.map((event) => event.seq) : [];
    this.published.push({ topic, body: text, seqs });
    return new Promise((resolve, reject) => {
      const pending: PendingPublish = {
        topic,
        body: text,
        seqs,
        succeed: () => {
          this.remove(pending);
          resolve();
        },
        refuse: (code, reasonCode) => {
          this.remove(pending);
          reject(new KioskError(code, `refused (0x${reasonCode.toString(16)})`, { reasonCode }));
        },
      };
      this.inFlight.push(pending);
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.length);
      if (this.autoAck) queueMicrotask(() => pending.succeed());
    });
  }

  /** PUBACKs the oldest n publishes in flight (brokers answer in order). */
  ackOldest(n = this.inFlight.length): void {
    for (const pending of this.inFlight.slice(0, n)) pending.succeed();
  }

  /** The backend's acknowledgement arriving on the ack topic. */
  backendAck(deviceId: string, ackedSeq: number): void {
    const payload = Buffer.from(JSON.stringify({ schema: ACK_SCHEMA, deviceId, ackedSeq, time: new Date().toISOString() }));
    this.emit('message', { name: 'ack', payload, tooLarge: false, retained: false });
  }

  /** Every event seq published, in order, duplicates included. */
  eventSeqs(): number[] {
    return this.published.filter((entry) => entry.topic === 'events').flatMap((entry) => entry.seqs);
  }

  private remove(pending: PendingPublish): void {
    const index = this.inFlight.indexOf(pending);
    if (index >= 0) this.inFlight.splice(index, 1);
  }
}
