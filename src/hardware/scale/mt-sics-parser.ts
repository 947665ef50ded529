import { LineDecoder, type LineParseResult } from './line-decoder.js';
import {
  MT_SICS_MAX_LINE,
  MT_SICS_RESPONSE_IDS,
  type MtSicsParseProblem,
  type MtSicsResponse,
  type MtSicsResponseId,
} from './mt-sics-protocol.js';
import { parsePrintedWeight } from './printed-weight.js';

export type MtSicsParseResult = LineParseResult<MtSicsResponse, MtSicsParseProblem>;

const GENERAL_ERRORS = { ES: 'syntax', ET: 'transmission', EL: 'logical' } as const;

/**
 * One MT-SICS response line (without CR LF) to a typed response, or a typed
 * problem. Pure; never throws. Fields are separated by one or more spaces
 * (weight values are right-aligned in a fixed-width field); quoted text may
 * hold spaces and 8-bit characters, everything else must be printable ASCII.
 */
export function parseMtSicsLine(line: Buffer): MtSicsParseResult {
  const tokens = tokenize(line);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const [id, status, ...rest] = tokens;
  if (id === undefined) return { ok: false, reason: 'malformed' };

  if (Object.hasOwn(GENERAL_ERRORS, id)) {
    if (tokens.length !== 1) return { ok: false, reason: 'malformed' };
    return { ok: true, frame: { kind: 'error', error: GENERAL_ERRORS[id as keyof typeof GENERAL_ERRORS] } };
  }
  if (!isResponseId(id)) return { ok: false, reason: 'unknown-response' };
  const fail = (reason: MtSicsParseProblem): MtSicsParseResult => ({ ok: false, reason, id });
  if (status === undefined) return fail('malformed');

  const generic = parseGenericStatus(id, status);
  if (generic) return rest.length === 0 ? { ok: true, frame: generic } : fail('malformed');

  switch (id) {
    case 'S':
      return status === 'S' || status === 'D' ? weighed(rest, (weight) => ({ kind: 'weight', id, stable: status === 'S', weight })) : fail('bad-status');
    case 'T':
      return status === 'S' ? weighed(rest, (weight) => ({ kind: 'tare', id, stable: true, weight })) : fail('bad-status');
    case 'TI':
      return status === 'S' || status === 'D' ? weighed(rest, (weight) => ({ kind: 'tare', id, stable: status === 'S', weight })) : fail('bad-status');
    case 'Z':
      if (status !== 'A') return fail('bad-status');
      return rest.length === 0 ? { ok: true, frame: { kind: 'zeroed', id, stable: true } } : fail('malformed');
    case 'ZI': {
      if (status !== 'S' && status !== 'D' && status !== 'A') return fail('bad-status');
      const stable = status === 'A' ? undefined : status === 'S';
      return rest.length === 0 ? { ok: true, frame: { kind: 'zeroed', id, stable } } : fail('malformed');
    }
    case 'I4': {
      if (status !== 'A') return fail('bad-status');
      const serial = rest.length === 1 ? unquote(rest[0]!) : undefined;
      if (serial === undefined || serial.trim() === '') return fail('malformed');
      return { ok: true, frame: { kind: 'serial-number', id, serialNumber: serial } };
    }
  }

  function weighed(fields: string[], build: (weight: Exclude<ReturnType<typeof parsePrintedWeight>, string>) => MtSicsResponse): MtSicsParseResult {
    if (fields.length !== 2) return fail('malformed');
    const weight = parsePrintedWeight(fields[0]!, fields[1]!);
    if (typeof weight === 'string') return fail(weight);
    return { ok: true, frame: build(weight) };
  }
}

/** A stream decoder for MT-SICS responses: CR LF lines, bounded, never throwing. */
export function createMtSicsDecoder(): LineDecoder<MtSicsResponse, MtSicsParseProblem> {
  return new LineDecoder(parseMtSicsLine, { maxLength: MT_SICS_MAX_LINE });
}

function isResponseId(id: string): id is MtSicsResponseId {
  return (MT_SICS_RESPONSE_IDS as readonly string[]).includes(id);
}

/** The statuses every command family shares: I, L, +, -. */
function parseGenericStatus(id: MtSicsResponseId, status: string): MtSicsResponse | undefined {
  switch (status) {
    case 'I':
      return { kind: 'refused', id, reason: 'not-executable' };
    case 'L':
      return { kind: 'refused', id, reason: 'logical' };
    case '+':
      return { kind: 'out-of-range', id, direction: 'over' };
    case '-':
      return { kind: 'out-of-range', id, direction: 'under' };
    default:
      return undefined;
  }
}

function unquote(token: string): string | undefined {
  if (token.length < 2 || !token.startsWith('"') || !token.endsWith('"')) return undefined;
  const inner = token.slice(1, -1);
  return inner.includes('"') ? undefined : inner;
}

/** Splits on runs of spaces outside quotes. */
function tokenize(line: Buffer): string[] | 'bad-byte' | 'malformed' {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (const byte of line) {
    const printable = byte >= 0x20 && byte <= 0x7e;
    const eightBit = byte >= 0xa0; // MT-SICS text is 8-bit; C1 controls (0x80-0x9f) are not text
    if (!printable && !(quoted && eightBit)) return 'bad-byte';
    const char = String.fromCharCode(byte);
    if (char === '"') quoted = !quoted;
    if (char === ' ' && !quoted) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quoted) return 'malformed';
  if (current !== '') tokens.push(current);
  return tokens;
}
