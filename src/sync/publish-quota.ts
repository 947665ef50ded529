/**
 * Counts QoS 1 publishes awaiting their PUBACK on one connection and holds
 * further ones back once the broker's Receive Maximum is reached (MQTT 5
 * §4.9: a client must not exceed it; mqtt.js does not enforce it). Waiters
 * are bounded by the callers' own windows, so this queue stays small.
 */
export class PublishQuota {
  private inUse = 0;
  private readonly waiting: Array<{ grant: () => void; fail: (error: Error) => void }> = [];

  constructor(readonly limit: number) {}

  get pending(): number {
    return this.inUse;
  }

  acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse += 1;
      return Promise.resolve();
    }
    return new Promise((grant, fail) => this.waiting.push({ grant, fail }));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.inUse = Math.max(0, this.inUse - 1);
  }

  /** The connection is gone: every waiter fails, nothing more is granted. */
  close(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.fail(error);
    this.inUse = 0;
  }
}
