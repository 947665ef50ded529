import { EventEmitter } from 'node:events';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { ByteLink, ByteLinkEvents } from './byte-link.js';

/**
 * Two ByteLink ends joined in memory: what one writes, the other receives, on
 * a later tick as from a real port. The simulated kiosk runs the real drivers
 * over one end and a device simulator over the other.
 */
export class MemoryLink extends EventEmitter<ByteLinkEvents> implements ByteLink {
  peer: MemoryLink | undefined;
  private started = false;
  private plugged = true;

  constructor(readonly name: string) {
    super();
  }

  static pair(name: string): [driverEnd: MemoryLink, deviceEnd: MemoryLink] {
    const a = new MemoryLink(`${name}:driver`);
    const b = new MemoryLink(`${name}:device`);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get isOpen(): boolean {
    return this.started && this.plugged;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.plugged) this.emit('open');
  }

  async write(data: Buffer | string): Promise<void> {
    if (!this.isOpen) throw new KioskError(ErrorCode.HardwareFault, `link ${this.name} is not open`, { link: this.name });
    const chunk = Buffer.from(data);
    setImmediate(() => {
      if (this.peer?.isOpen) this.peer.emit('data', chunk);
    });
  }

  async close(): Promise<void> {
    this.started = false;
  }

  /** Simulation control: the cable is pulled (both ends lose the link). */
  unplug(): void {
    for (const end of [this, this.peer]) {
      if (!end || !end.plugged) continue;
      end.plugged = false;
      if (end.started) end.emit('lost', 'unplugged');
    }
  }

  /** Simulation control: the cable is back. */
  replug(): void {
    for (const end of [this, this.peer]) {
      if (!end || end.plugged) continue;
      end.plugged = true;
      if (end.started) end.emit('open');
    }
  }
}
