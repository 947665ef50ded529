import type { LifecycleSource } from '../hardware/device.js';
import type { Clock } from '../ops/clock.js';
import type { KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { DeviceName } from '../protocol/events.js';
import type { EventStore } from '../store/event-store.js';

/**
 * Turns device faults and recoveries into outbox events, so the fleet sees an
 * unplugged scale or a dead camera as it happens (and after the fact when the
 * kiosk was offline). One event per transition: the devices report each once.
 */
export class DeviceFaultRecorder {
  private readonly faultedAt = new Map<DeviceName, number>();
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  watch(device: DeviceName, emitter: LifecycleSource): void {
    const onFault = (error: KioskError): void => {
      this.faultedAt.set(device, this.clock.uptimeMs());
      this.logger.warn({ device, code: error.code, err: error }, 'device faulted');
      this.record(() => this.store.append({ type: 'device.fault', payload: { device, code: error.code, message: error.message.slice(0, 500) } }));
    };
    const onRecovered = (): void => {
      const since = this.faultedAt.get(device) ?? this.clock.uptimeMs();
      this.faultedAt.delete(device);
      const faultedForMs = Math.max(0, this.clock.uptimeMs() - since);
      this.logger.info({ device, faultedForMs }, 'device recovered');
      this.record(() => this.store.append({ type: 'device.recovered', payload: { device, faultedForMs } }));
    };
    emitter.on('fault', onFault);
    emitter.on('recovered', onRecovered);
    this.detach.push(() => {
      emitter.off('fault', onFault);
      emitter.off('recovered', onRecovered);
    });
  }

  /** Devices currently faulted, for health reports. */
  faulted(): DeviceName[] {
    return [...this.faultedAt.keys()];
  }

  stop(): void {
    for (const detach of this.detach.splice(0)) detach();
  }

  private record(append: () => void): void {
    try {
      append();
    } catch (error) {
      // The store refusing a fault event must not turn one fault into two; the log keeps it.
      this.logger.error({ err: error }, 'cannot record device event');
    }
  }
}
