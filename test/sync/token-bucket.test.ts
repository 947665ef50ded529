import { describe, expect, it } from 'vitest';
import { describeReasonCode, publishVerdict } from '../../src/sync/reason-codes.js';
import { TokenBucket } from '../../src/sync/token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills at its rate and says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 200, () => now);
    expect(bucket.take(200)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    expect(bucket.waitMs(50)).toBe(500);
    now = 500;
    expect(bucket.take(50)).toBe(true);
    now = 10_000;
    // Never more than the capacity saved up.
    expect(bucket.take(200)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it('lets a request larger than the capacity through with a full bucket, and rate 0 means unlimited', () => {
    const now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    expect(bucket.take(50)).toBe(true);
    // 20 saved, 50 taken: 30 owed plus the 20 a full request needs, at 10 a second.
    expect(bucket.waitMs(50)).toBe(5000);
    const free = new TokenBucket(0, 1, () => now);
    expect(free.take(1e9)).toBe(true);
    expect(free.waitMs(1e9)).toBe(0);
  });
});

describe('MQTT 5 PUBACK reason codes', () => {
  it.each([
    [undefined, false, 'delivered'],
    [0x00, true, 'delivered'],
    [0x10, true, 'retry'],
    [0x10, false, 'delivered'],
    [0x80, true, 'retry'],
    [0x83, true, 'retry'],
    [0x97, true, 'retry'],
    [0x87, true, 'park'],
    [0x90, true, 'park'],
    [0x99, true, 'park'],
  ] as const)('reason %s (requires subscriber: %s) → %s', (code, requiresSubscriber, verdict) => {
    expect(publishVerdict(code, requiresSubscriber)).toBe(verdict);
  });

  it('names codes in messages', () => {
    expect(describeReasonCode(0x87)).toBe('not-authorized (0x87)');
    expect(describeReasonCode(0x42)).toBe('reason (0x42)');
  });
});
