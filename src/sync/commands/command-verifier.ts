/**
 * Is this message a command this kiosk must obey? Pure apart from the
 * signature check: the caller gives the bytes, the keyring, its device id and
 * the wall time, and gets the command or the CommandRejection that refuses it.
 *
 *   authenticateCommand: size, JSON, JWS shape, alg, kid for "commands", signature, kiosk.command/1, deviceId
 *   checkCommandWindow:  expiresAt > issuedAt, lifetime ≤ COMMAND_MAX_LIFETIME_MS, not expired, issuedAt ≤ now + skew
 *
 * The two halves are apart because a repeated command id is answered with its
 * stored first result between them (command-service.ts): a redelivery after
 * the expiry still gets the answer it got the first time.
 */
import { COMMAND_CLOCK_SKEW_MS, COMMAND_MAX_LIFETIME_MS, COMMAND_SCHEMA, COMMAND_TYPES, KioskCommand, type CommandRejection } from '../../protocol/commands.js';
import type { FleetKeyring } from './fleet-keyring.js';
import { verifySignedDocument } from './signed-document.js';

export interface CommandRefusal {
  ok: false;
  rejection: CommandRejection;
  detail: string;
  /** From the payload when readable; before the signature has verified, it is only a hint for correlation. */
  commandId: string | null;
  type: string | null;
  /** issuedAt/expiresAt for the time rejections, so the backend sees the skew. */
  data: Record<string, unknown> | null;
}

export type AuthenticatedCommand = { ok: true; command: KioskCommand; kid: string };

export interface AuthenticateOptions {
  keyring: FleetKeyring;
  deviceId: string;
  maxBytes: number;
  tooLarge?: boolean;
}

export async function authenticateCommand(bytes: Uint8Array, options: AuthenticateOptions): Promise<AuthenticatedCommand | CommandRefusal> {
  const signed = await verifySignedDocument(bytes, { keyring: options.keyring, use: 'commands', maxBytes: options.maxBytes, tooLarge: options.tooLarge ?? false });
  if (!signed.ok) return refusal(signed.rejection, signed.detail, signed.unverified);
  const document = signed.document;
  const refuse = (rejection: CommandRejection, detail: string): CommandRefusal => refusal(rejection, detail, document);
  if (!isRecord(document) || document.schema !== COMMAND_SCHEMA) return refuse('malformed', `the signed payload is not a ${COMMAND_SCHEMA}`);
  if (typeof document.type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(document.type)) {
    return refuse('unsupported-type', `unknown command type${typeof document.type === 'string' ? ` "${document.type.slice(0, 40)}"` : ''}`);
  }
  const parsed = KioskCommand.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const onlyParams = issues.every((issue) => issue.path[0] === 'params');
    const text = issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
    return refuse(onlyParams ? 'invalid-params' : 'malformed', text.slice(0, 400));
  }
  const command = parsed.data;
  if (command.deviceId !== options.deviceId) return refuse('wrong-device', `the command is for ${command.deviceId.slice(0, 64)}, this is ${options.deviceId}`);
  return { ok: true, command, kid: signed.kid };
}

/** The time rules on an authentic command; null when it may run now (`nowMs`: the kiosk's wall clock). */
export function checkCommandWindow(command: Pick<KioskCommand, 'id' | 'type' | 'issuedAt' | 'expiresAt'>, nowMs: number, skewMs = COMMAND_CLOCK_SKEW_MS): CommandRefusal | null {
  const issuedAt = Date.parse(command.issuedAt);
  const expiresAt = Date.parse(command.expiresAt);
  const data = { issuedAt: command.issuedAt, expiresAt: command.expiresAt, kioskTime: new Date(nowMs).toISOString() };
  const refuse = (rejection: CommandRejection, detail: string): CommandRefusal => ({ ok: false, rejection, detail, commandId: command.id, type: command.type, data });
  if (expiresAt <= issuedAt) return refuse('malformed', 'expiresAt is not after issuedAt');
  if (expiresAt - issuedAt > COMMAND_MAX_LIFETIME_MS) return refuse('lifetime-too-long', `valid for ${Math.round((expiresAt - issuedAt) / 60_000)} min, at most ${COMMAND_MAX_LIFETIME_MS / 60_000} min`);
  if (nowMs >= expiresAt) return refuse('expired', `expired ${Math.round((nowMs - expiresAt) / 1000)} s ago by the kiosk's clock`);
  if (issuedAt > nowMs + skewMs) return refuse('not-yet-valid', `issued ${Math.round((issuedAt - nowMs) / 1000)} s in the future by the kiosk's clock (allowed: ${skewMs / 1000} s)`);
  return null;
}

/** Both halves, for callers (and tests) that have no stored results to consult in between. */
export async function verifyCommand(bytes: Uint8Array, options: AuthenticateOptions & { nowMs: number; skewMs?: number }): Promise<AuthenticatedCommand | CommandRefusal> {
  const authenticated = await authenticateCommand(bytes, options);
  if (!authenticated.ok) return authenticated;
  return checkCommandWindow(authenticated.command, options.nowMs, options.skewMs) ?? authenticated;
}

function refusal(rejection: CommandRejection, detail: string, payload: unknown): CommandRefusal {
  const record = isRecord(payload) ? payload : {};
  return {
    ok: false,
    rejection,
    detail,
    commandId: readableId(record.id),
    type: typeof record.type === 'string' ? record.type.slice(0, 40) : null,
    data: null,
  };
}

/** An id as the command schema allows it; anything else is not echoed. */
function readableId(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{8,64}$/.test(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
