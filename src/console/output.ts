import { ErrorCode, KioskError, isKioskError } from '../ops/errors.js';
import type { JsonObject } from './command.js';

/** Serial terminals in raw mode need CR LF; commands write plain "\n". */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Any failure as the console's one coded error. */
export function asKioskError(error: unknown): KioskError {
  if (isKioskError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KioskError(ErrorCode.ConsoleCommandFailed, message, {}, { cause: error });
}

/** `error: [E501] ...` on exactly one line. */
export function errorLine(error: KioskError): string {
  return `error: ${oneLine(error.message)}`;
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function jsonResult(command: string, data: JsonObject): string {
  return JSON.stringify({ ok: true, command, data });
}

export function jsonError(command: string, error: KioskError): string {
  return JSON.stringify({ ok: false, command, error: { code: error.code, message: oneLine(error.message) } });
}

/** Default human rendering of a result: one "key: value" line per field, nested values as JSON. */
export function renderData(data: JsonObject): string[] {
  const width = Math.max(0, ...Object.keys(data).map((key) => key.length));
  return Object.entries(data)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/** "1h 02m 03s" style durations for people. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m ${String(seconds).padStart(2, '0')}s`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}
