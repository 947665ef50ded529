import { describe, expect, it } from 'vitest';
import { lockoutDelayMs, PIN_TECHNICIAN, SETTING_FAILED_LOGINS, SETTING_PIN_HASH, TechnicianAuth } from '../../src/console/auth.js';
import { provisionTechnicianCredentials } from '../../src/console/provision.js';
import { answerChallenge, answerWithFleetKey, deriveDeviceKey, parseChallenge } from '../../src/console/tech-key.js';
import type { Clock } from '../../src/ops/clock.js';
import { ErrorCode, isKioskError } from '../../src/ops/errors.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { MemorySettingsStore } from '../../src/store/settings-store.js';

const FLEET_KEY = Buffer.alloc(32, 7);
const DEVICE = 'kiosk-unit-0001';

function manualClock(): Clock & { advance(ms: number): void } {
  let uptime = 0;
  return { bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7b', wallNow: () => new Date(1_700_000_000_000 + uptime), uptimeMs: () => uptime, advance: (ms) => (uptime += ms) };
}

const policy = { freeAttempts: 2, initialDelayMs: 1000, maxDelayMs: 4000 };

async function setup(): Promise<{ settings: MemorySettingsStore; clock: ReturnType<typeof manualClock>; auth: () => TechnicianAuth }> {
  const settings = new MemorySettingsStore();
  await provisionTechnicianCredentials(settings, { pin: '482913', deviceKey: deriveDeviceKey(FLEET_KEY, DEVICE) });
  const clock = manualClock();
  return { settings, clock, auth: () => new TechnicianAuth({ settings, deviceId: DEVICE, clock, lockout: policy, challengeTtlMs: 60_000, logger: createSilentLogger() }) };
}

async function codeOf(action: () => unknown): Promise<number | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    return isKioskError(error) ? error.code : -1;
  }
}

describe('TechnicianAuth', () => {
  it('stores only a salted hash of the PIN', async () => {
    const { settings } = await setup();
    const stored = settings.get(SETTING_PIN_HASH)!;
    expect(stored).toMatch(/^scrypt\$/);
    expect(stored).not.toContain('482913');
  });

  it('logs in with the right PIN and refuses a wrong one', async () => {
    const { auth } = await setup();
    const a = auth();
    expect(await a.loginWithPin('482913')).toEqual({ technician: PIN_TECHNICIAN, method: 'pin' });
    expect(await codeOf(() => a.loginWithPin('000000'))).toBe(ErrorCode.ConsoleAuthFailed);
  });

  it('delays attempts after the free ones, doubling up to the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((failures) => lockoutDelayMs(failures, policy))).toEqual([0, 1000, 2000, 4000, 4000, 4000]);
  });

  it('locks out, checks nothing while locked, keeps the count over a reboot, and resets on success', async () => {
    const { auth, clock, settings } = await setup();
    const a = auth();
    expect(await codeOf(() => a.loginWithPin('111111'))).toBe(ErrorCode.ConsoleAuthFailed);
    expect(await codeOf(() => a.loginWithPin('222222'))).toBe(ErrorCode.ConsoleAuthFailed);
    // Even the right PIN is not checked while locked.
    expect(await codeOf(() => a.loginWithPin('482913'))).toBe(ErrorCode.ConsoleLockedOut);
    expect(settings.get(SETTING_FAILED_LOGINS)).toBe('2');

    const rebooted = auth();
    expect(rebooted.lockoutRemainingMs()).toBe(1000);
    clock.advance(1000);
    expect(await codeOf(() => rebooted.loginWithPin('333333'))).toBe(ErrorCode.ConsoleAuthFailed);
    expect(rebooted.lockoutRemainingMs()).toBe(2000);
    clock.advance(2000);
    await rebooted.loginWithPin('482913');
    expect(settings.get(SETTING_FAILED_LOGINS)).toBeUndefined();
    expect(rebooted.lockoutRemainingMs()).toBe(0);
  });

  it('accepts the tool answer to a challenge, once, and retires the label PIN', async () => {
    const { auth } = await setup();
    const a = auth();
    const pending = a.startChallenge('alice');
    expect(parseChallenge(`prompt> ${pending.line}`)).toEqual(pending.challenge);
    expect(a.answerChallenge(pending, answerWithFleetKey(FLEET_KEY, pending.line))).toEqual({ technician: 'alice', method: 'challenge' });
    expect(a.methods()).toEqual({ pin: false, challenge: true });
    expect(await codeOf(() => a.loginWithPin('482913'))).toBe(ErrorCode.ConsoleNotProvisioned);
  });

  it('refuses a response made with another kiosk key, for another technician, or too late', async () => {
    const { auth, clock } = await setup();
    const a = auth();
    const pending = a.startChallenge('alice');
    const otherKiosk = answerChallenge(deriveDeviceKey(FLEET_KEY, 'kiosk-unit-0002'), pending.challenge);
    expect(await codeOf(() => a.answerChallenge(pending, otherKiosk))).toBe(ErrorCode.ConsoleAuthFailed);
    const forBob = answerChallenge(deriveDeviceKey(FLEET_KEY, DEVICE), { ...pending.challenge, technician: 'bob' });
    expect(await codeOf(() => a.answerChallenge(pending, forBob))).toBe(ErrorCode.ConsoleAuthFailed);
    expect(a.failedAttempts).toBe(2);

    clock.advance(1000);
    const late = a.startChallenge('alice');
    clock.advance(60_001);
    expect(await codeOf(() => a.answerChallenge(late, answerWithFleetKey(FLEET_KEY, late.line)))).toBe(ErrorCode.ConsoleAuthFailed);
    // Being slow is not a guess.
    expect(a.failedAttempts).toBe(2);
  });

  it('refuses every login on a kiosk without provisioned credentials', async () => {
    const a = new TechnicianAuth({ settings: new MemorySettingsStore(), deviceId: DEVICE, clock: manualClock(), lockout: policy, challengeTtlMs: 1000, logger: createSilentLogger() });
    expect(await codeOf(() => a.loginWithPin('482913'))).toBe(ErrorCode.ConsoleNotProvisioned);
    expect(await codeOf(() => a.startChallenge('alice'))).toBe(ErrorCode.ConsoleNotProvisioned);
  });
});
