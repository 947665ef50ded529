import type { BarcodeDecodingConfig } from '../../ops/config/barcode-config.js';
import type { DecodedCode, DecodedUnknown, Gs1Problem } from './decoded-code.js';
import { GS, parseGs1 } from './gs1.js';
import { s10CheckDigitValid } from './s10.js';
import { splitSymbology } from './symbology.js';

/**
 * Says what a scanned code is, as a pure function of the code and the
 * station's rules. Order, most specific first:
 *   1. a GS1 symbology identifier (]C1, ]d2, ]Q3, ]e0, ]J1): GS1, or unknown if it does not parse;
 *   2. the consumer session pattern, 3. the staff pattern (our own formats);
 *   4. the carriers' waybill patterns, first match wins;
 *   5. GS1 without identifier, only if it parses completely and starts with a
 *      check-digit key (00 SSCC, 01 GTIN, 02), so a retail EAN is not taken for GS1;
 *   6. unknown.
 */
export interface CompiledDecodingRules {
  waybills: ReadonlyArray<{ carrier: string; regex: RegExp; checkDigit?: 's10' }>;
  session: RegExp;
  staff: RegExp;
  gs1WithoutSymbologyId: boolean;
}

export interface DecodeOptions {
  /** For the century of GS1 dates; the caller reads it from its clock so this stays pure. */
  referenceYear: number;
}

/** Patterns must match the whole code; anchoring here means a config never has to remember ^...$. */
function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`);
}

export function compileDecodingRules(config: BarcodeDecodingConfig): CompiledDecodingRules {
  return {
    waybills: config.waybillPatterns.map(({ carrier, pattern, checkDigit }) =>
      checkDigit ? { carrier, regex: anchored(pattern), checkDigit } : { carrier, regex: anchored(pattern) },
    ),
    session: anchored(config.consumerSessionPattern),
    staff: anchored(config.staffPattern),
    gs1WithoutSymbologyId: config.gs1WithoutSymbologyId,
  };
}

const KEYS_WITH_CHECK_DIGIT = new Set(['00', '01', '02']);

export function decodeCode(code: string, rules: CompiledDecodingRules, options: DecodeOptions): DecodedCode {
  const { symbology, data } = splitSymbology(code);
  const base = symbology ? { data, symbology } : { data };

  if (symbology?.gs1) {
    const parsed = parseGs1(data, options);
    return parsed.ok ? { kind: 'gs1', ...base, elements: parsed.elements } : { kind: 'unknown', ...base, gs1Problem: parsed.problem };
  }

  const session = rules.session.exec(data);
  if (session) return { kind: 'consumer-session', ...base, session: session.groups?.session ?? data };

  const staff = rules.staff.exec(data);
  if (staff) return { kind: 'staff', ...base, staff: staff.groups?.staff ?? data };

  let waybillProblem: DecodedUnknown['waybillProblem'];
  for (const { carrier, regex, checkDigit } of rules.waybills) {
    if (!regex.test(data)) continue;
    if (checkDigit === 's10' && !s10CheckDigitValid(data)) {
      waybillProblem ??= { carrier, reason: 'check-digit' };
      continue;
    }
    return { kind: 'waybill', ...base, carrier };
  }

  let gs1Problem: Gs1Problem | undefined;
  if (rules.gs1WithoutSymbologyId && /^[\d(\u001d]/.test(data)) {
    const parsed = parseGs1(data, options);
    if (parsed.ok && KEYS_WITH_CHECK_DIGIT.has(parsed.elements[0]?.ai ?? '')) return { kind: 'gs1', ...base, elements: parsed.elements };
    // Only a code that plainly meant to be GS1 (FNC1 separators, "(01)" form) is worth a reason; a plain number is just unknown.
    if (!parsed.ok && (data.includes(GS) || data.startsWith('('))) gs1Problem = parsed.problem;
  }

  const unknown: DecodedUnknown = { kind: 'unknown', ...base };
  if (gs1Problem) unknown.gs1Problem = gs1Problem;
  if (waybillProblem) unknown.waybillProblem = waybillProblem;
  return unknown;
}
