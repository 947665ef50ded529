/**
 * Technician challenge–response, shared by the kiosk (src/console/auth.ts) and
 * the technician's tool (scripts/tech-answer.ts). Pure functions over Node crypto.
 *
 * Keys:
 *   fleet technician key  (32 random bytes, held by the service organisation, never on a kiosk)
 *     └─ per-device key = HMAC-SHA256(fleetKey, "kiosk-tech/1 device-key " + deviceId)
 *        written into one kiosk's database at the factory (scripts/provision-console.ts)
 *
 * A kiosk holds only its own derived key, so a key read out of one stolen kiosk
 * answers that kiosk's challenges and no other's; the technician's tool holds
 * the fleet key and derives the right device key from the device id in the challenge.
 *
 * Challenge line (printed by the kiosk, one line, ASCII):
 *   kiosk-tech/1 challenge <deviceId> <technician> <nonce: 32 hex>
 * Response: lowercase hex of HMAC-SHA256(perDeviceKey, the challenge line).
 * The technician's name is inside the signed line, so the response cannot be
 * replayed under another name; the nonce is random per login and used once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TECH_PROTOCOL = 'kiosk-tech/1';
const CHALLENGE_PATTERN = /^kiosk-tech\/1 challenge ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) ([A-Za-z0-9][A-Za-z0-9._@-]{0,63}) ([0-9a-f]{32})$/;

/** Technician names: short, printable, safe in a challenge line and an audit event. */
export const TECHNICIAN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface Challenge {
  deviceId: string;
  technician: string;
  nonce: string;
}

export function deriveDeviceKey(fleetKey: Buffer, deviceId: string): Buffer {
  return createHmac('sha256', fleetKey).update(`${TECH_PROTOCOL} device-key ${deviceId}`).digest();
}

export function newChallenge(deviceId: string, technician: string): Challenge {
  return { deviceId, technician, nonce: randomBytes(16).toString('hex') };
}

export function formatChallenge(challenge: Challenge): string {
  return `${TECH_PROTOCOL} challenge ${challenge.deviceId} ${challenge.technician} ${challenge.nonce}`;
}

/** Finds a challenge in a line (extra text around it, e.g. a terminal's prompt, is tolerated). */
export function parseChallenge(text: string): Challenge | undefined {
  const start = text.indexOf(`${TECH_PROTOCOL} challenge `);
  if (start < 0) return undefined;
  const match = CHALLENGE_PATTERN.exec(text.slice(start).trim().split(/\s+/).slice(0, 5).join(' '));
  if (!match) return undefined;
  return { deviceId: match[1] as string, technician: match[2] as string, nonce: match[3] as string };
}

export function answerChallenge(deviceKey: Buffer, challenge: Challenge): string {
  return createHmac('sha256', deviceKey).update(formatChallenge(challenge)).digest('hex');
}

/** What the technician's tool does: derive the device key from the fleet key, then answer. */
export function answerWithFleetKey(fleetKey: Buffer, challengeText: string): string {
  const challenge = parseChallenge(challengeText);
  if (!challenge) throw new Error(`not a ${TECH_PROTOCOL} challenge line`);
  return answerChallenge(deriveDeviceKey(fleetKey, challenge.deviceId), challenge);
}

export function responseMatches(deviceKey: Buffer, challenge: Challenge, response: string): boolean {
  const given = response.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(answerChallenge(deviceKey, challenge), 'hex'));
}
