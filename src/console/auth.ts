/**
 * Technician authentication for the console. Two ways in, both per device:
 *
 * - the provisioning PIN printed on the device label, for first setup. Only its
 *   salted scrypt hash is stored (settings `console.pin_hash`). The first
 *   successful challenge–response login retires it (`console.pin_retired`):
 *   from then on reading the label is not enough.
 * - challenge–response (src/console/tech-key.ts) with the per-device technician
 *   key (`console.device_key`), derived at the factory from the fleet key.
 *
 * Failed attempts are counted in the database (`console.failed_logins`), so a
 * reboot does not reset them. After `freeAttempts` failures every attempt waits
 * initialDelayMs, doubling per further failure up to maxDelayMs; during the
 * wait no credential is even checked. The wait is measured on the monotonic
 * clock from the failure (or, after a reboot, from start-up), never from the
 * wall clock, which may be wrong before NTP.
 */
import type { Clock } from '../ops/clock.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { SettingsStore } from '../store/settings-store.js';
import { pinMatches } from './pin-hash.js';
import { formatChallenge, newChallenge, responseMatches, TECHNICIAN_PATTERN, type Challenge } from './tech-key.js';

export const SETTING_PIN_HASH = 'console.pin_hash';
export const SETTING_PIN_RETIRED = 'console.pin_retired';
export const SETTING_DEVICE_KEY = 'console.device_key';
export const SETTING_FAILED_LOGINS = 'console.failed_logins';

/** Who is logged in after a PIN login: there is no name to check, only the label. */
export const PIN_TECHNICIAN = 'label-pin';

export interface LockoutPolicy {
  freeAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface TechnicianAuthOptions {
  settings: SettingsStore;
  deviceId: string;
  clock: Clock;
  lockout: LockoutPolicy;
  challengeTtlMs: number;
  logger: Logger;
}

export interface TechnicianLogin {
  technician: string;
  method: 'pin' | 'challenge';
}

export interface PendingChallenge {
  /** The line to show the technician; their tool answers it. */
  readonly line: string;
  readonly challenge: Challenge;
  readonly expiresAtUptimeMs: number;
}

/** What the console's login command needs; the shell and tests see only this. */
export interface ConsoleAuth {
  /** Which ways in are provisioned right now. */
  methods(): { pin: boolean; challenge: boolean };
  /** Throws ConsoleLockedOut while attempts are paused. */
  assertMayTry(): void;
  /** Throws ConsoleNotProvisioned when no label PIN is stored or it is retired: checked before asking for one. */
  assertPinUsable(): void;
  loginWithPin(pin: string): Promise<TechnicianLogin>;
  startChallenge(technician: string): PendingChallenge;
  answerChallenge(pending: PendingChallenge, response: string): TechnicianLogin;
}

export function lockoutDelayMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.freeAttempts) return 0;
  const doublings = Math.min(failures - policy.freeAttempts, 30);
  return Math.min(policy.initialDelayMs * 2 ** doublings, policy.maxDelayMs);
}

export class TechnicianAuth implements ConsoleAuth {
  private failures: number;
  private lockedUntil: number;
  /** One credential check at a time, across all console transports: a parallel guess must not slip past a lockout. */
  private checking = false;

  constructor(private readonly options: TechnicianAuthOptions) {
    const stored = Number.parseInt(options.settings.get(SETTING_FAILED_LOGINS) ?? '0', 10);
    this.failures = Number.isInteger(stored) && stored > 0 ? stored : 0;
    // After a reboot the last delay starts again from now: a power cycle buys an attacker nothing.
    this.lockedUntil = options.clock.uptimeMs() + lockoutDelayMs(this.failures, options.lockout);
  }

  methods(): { pin: boolean; challenge: boolean } {
    const { settings } = this.options;
    return {
      pin: settings.get(SETTING_PIN_HASH) !== undefined && settings.get(SETTING_PIN_RETIRED) === undefined,
      challenge: settings.get(SETTING_DEVICE_KEY) !== undefined,
    };
  }

  get failedAttempts(): number {
    return this.failures;
  }

  lockoutRemainingMs(): number {
    return Math.max(0, this.lockedUntil - this.options.clock.uptimeMs());
  }

  assertMayTry(): void {
    const remaining = this.lockoutRemainingMs();
    if (remaining > 0) {
      throw new KioskError(
        ErrorCode.ConsoleLockedOut,
        `locked out after ${this.failures} failed logins; try again in ${Math.ceil(remaining / 1000)} s`,
        { failures: this.failures, remainingMs: remaining },
      );
    }
    if (this.checking) throw new KioskError(ErrorCode.ConsoleLockedOut, 'another login is being checked; try again', {});
  }

  assertPinUsable(): void {
    if (this.options.settings.get(SETTING_PIN_HASH) === undefined) {
      throw new KioskError(ErrorCode.ConsoleNotProvisioned, 'no label PIN is provisioned on this kiosk', {});
    }
    if (!this.methods().pin) {
      throw new KioskError(ErrorCode.ConsoleNotProvisioned, 'the label PIN is retired on this kiosk; log in with "login <technician>"', {});
    }
  }

  async loginWithPin(pin: string): Promise<TechnicianLogin> {
    this.assertMayTry();
    this.assertPinUsable();
    const stored = this.options.settings.get(SETTING_PIN_HASH) as string;
    this.checking = true;
    let ok: boolean;
    try {
      ok = await pinMatches(pin, stored);
    } finally {
      this.checking = false;
    }
    if (!ok) throw this.failed('wrong PIN', 'pin');
    return this.succeeded({ technician: PIN_TECHNICIAN, method: 'pin' });
  }

  startChallenge(technician: string): PendingChallenge {
    this.assertMayTry();
    if (!TECHNICIAN_PATTERN.test(technician)) {
      throw new KioskError(ErrorCode.ConsoleUsage, 'a technician name is letters, digits, ".", "_", "@" or "-", at most 64', {});
    }
    if (!this.methods().challenge) {
      throw new KioskError(ErrorCode.ConsoleNotProvisioned, 'no technician key is provisioned on this kiosk; use "login --pin" for first setup', {});
    }
    const challenge = newChallenge(this.options.deviceId, technician);
    return { line: formatChallenge(challenge), challenge, expiresAtUptimeMs: this.options.clock.uptimeMs() + this.options.challengeTtlMs };
  }

  answerChallenge(pending: PendingChallenge, response: string): TechnicianLogin {
    this.assertMayTry();
    if (this.options.clock.uptimeMs() > pending.expiresAtUptimeMs) {
      // Slowness is not a guess: it does not count towards the lockout.
      throw new KioskError(ErrorCode.ConsoleAuthFailed, 'challenge expired; log in again for a new one', {});
    }
    const keyHex = this.options.settings.get(SETTING_DEVICE_KEY);
    if (keyHex === undefined) throw new KioskError(ErrorCode.ConsoleNotProvisioned, 'no technician key is provisioned on this kiosk', {});
    if (!responseMatches(Buffer.from(keyHex, 'hex'), pending.challenge, response)) throw this.failed('wrong response', 'challenge');
    this.options.settings.set(SETTING_PIN_RETIRED, this.options.clock.wallNow().toISOString());
    return this.succeeded({ technician: pending.challenge.technician, method: 'challenge' });
  }

  private failed(what: string, method: TechnicianLogin['method']): KioskError {
    this.failures += 1;
    this.options.settings.set(SETTING_FAILED_LOGINS, String(this.failures));
    const delay = lockoutDelayMs(this.failures, this.options.lockout);
    this.lockedUntil = this.options.clock.uptimeMs() + delay;
    this.options.logger.warn({ method, failures: this.failures, lockoutMs: delay }, 'console login failed');
    const wait = delay > 0 ? `; locked out for ${Math.ceil(delay / 1000)} s` : '';
    return new KioskError(ErrorCode.ConsoleAuthFailed, `${what}${wait}`, { failures: this.failures, lockoutMs: delay });
  }

  private succeeded(login: TechnicianLogin): TechnicianLogin {
    if (this.failures > 0) this.options.settings.delete(SETTING_FAILED_LOGINS);
    this.failures = 0;
    this.lockedUntil = 0;
    this.options.logger.info({ technician: login.technician, method: login.method }, 'console login');
    return login;
  }
}
