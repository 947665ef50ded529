import { randomUUID } from 'node:crypto';

/**
 * The one source of time. A kiosk may boot with a wrong wall clock, so every
 * event carries the wall time *and* a boot id plus monotonic uptime; ordering
 * across restarts comes from the per-device sequence number, not from time.
 */
export interface Clock {
  /** Random id of this runtime start; changes on every process start. */
  readonly bootId: string;
  /** Wall-clock time; may be wrong until NTP has synchronised. */
  wallNow(): Date;
  /** Milliseconds since this runtime started; never goes backwards. */
  uptimeMs(): number;
}

export function createSystemClock(): Clock {
  const startedAt = performance.now();
  return {
    bootId: randomUUID(),
    wallNow: () => new Date(),
    uptimeMs: () => Math.floor(performance.now() - startedAt),
  };
}
