import type { Gs1Element, Gs1Problem } from './decoded-code.js';
import { GS1_AI_TABLE, type Gs1AiSpec } from './gs1-ai-table.js';

/**
 * GS1 element strings as scanners send them: Application Identifier + data,
 * repeated, with FNC1 transmitted as GS (0x1D) after each variable-length
 * field that is not last. Also reads the human-readable form "(01)...(10)...".
 * Pure; never throws on any input.
 */
export const GS = '\u001d';

export type Gs1ParseResult = { ok: true; elements: Gs1Element[] } | { ok: false; problem: Gs1Problem };

export interface Gs1ParseOptions {
  /** The current year, for the GS1 century rule of YYMMDD dates (General Specifications 7.12). */
  referenceYear: number;
}

const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;
const DIGITS = /^\d+$/;

/** GS1 mod-10: weights 3,1,3,... from the digit left of the check digit. */
export function gs1CheckDigitValid(digits: string): boolean {
  if (!DIGITS.test(digits) || digits.length < 2) return false;
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i -= 1, weight = 4 - weight) sum += Number(digits[i]) * weight;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

/** YYMMDD to YYYY-MM-DD, or undefined when it is no date. Day 00 stands for the last day of the month. */
export function gs1Date(yymmdd: string, referenceYear: number): string | undefined {
  if (!/^\d{6}$/.test(yymmdd)) return undefined;
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  let day = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12) return undefined;
  const difference = yy - (referenceYear % 100);
  let century = Math.floor(referenceYear / 100);
  if (difference >= 51) century -= 1;
  else if (difference <= -50) century += 1;
  const year = century * 100 + yy;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day === 0) day = lastDay;
  if (day > lastDay) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function findAi(data: string, offset: number): Gs1AiSpec | undefined {
  for (const length of [2, 3, 4]) {
    const spec = GS1_AI_TABLE.get(data.slice(offset, offset + length));
    if (spec) return spec;
  }
  return undefined;
}

function validate(spec: Gs1AiSpec, value: string, offset: number, options: Gs1ParseOptions): Gs1Element | Gs1Problem {
  const { ai } = spec;
  if (value.length === 0 || (spec.fixed !== undefined && value.length < spec.fixed)) return { reason: 'too-short', ai, offset };
  if (value.length > (spec.fixed ?? spec.max ?? 0)) return { reason: 'too-long', ai, offset };
  if (!(spec.numeric ? DIGITS : CSET82).test(value)) return { reason: 'bad-character', ai, offset };
  if (spec.check && !gs1CheckDigitValid(value)) return { reason: 'check-digit', ai, offset };
  const element: Gs1Element = { ai, title: spec.title, value };
  if (spec.date) {
    const date = gs1Date(value, options.referenceYear);
    if (date === undefined) return { reason: 'bad-date', ai, offset };
    element.date = date;
  }
  return element;
}

function isProblem(result: Gs1Element | Gs1Problem): result is Gs1Problem {
  return 'reason' in result;
}

/** Parses the data after the symbology identifier, in transmitted (GS-separated) or human-readable form. */
export function parseGs1(data: string, options: Gs1ParseOptions): Gs1ParseResult {
  return data.startsWith('(') ? parseHumanReadable(data, options) : parseTransmitted(data, options);
}

function parseTransmitted(data: string, options: Gs1ParseOptions): Gs1ParseResult {
  const elements: Gs1Element[] = [];
  let offset = 0;
  while (offset < data.length) {
    // A leading FNC1 (some scanners send it), a trailing one, or one after a fixed-length field: all mean nothing.
    if (data[offset] === GS) {
      offset += 1;
      continue;
    }
    const spec = findAi(data, offset);
    if (!spec) return { ok: false, problem: { reason: 'unknown-ai', offset } };
    const valueStart = offset + spec.ai.length;
    let valueEnd: number;
    if (spec.fixed !== undefined) {
      valueEnd = Math.min(valueStart + spec.fixed, data.length);
      const separator = data.indexOf(GS, valueStart);
      if (separator >= 0 && separator < valueEnd) valueEnd = separator;
    } else {
      const separator = data.indexOf(GS, valueStart);
      valueEnd = separator < 0 ? data.length : separator;
    }
    const element = validate(spec, data.slice(valueStart, valueEnd), offset, options);
    if (isProblem(element)) return { ok: false, problem: element };
    elements.push(element);
    offset = valueEnd;
  }
  if (elements.length === 0) return { ok: false, problem: { reason: 'empty', offset: 0 } };
  return { ok: true, elements };
}

const HRI_AI = /\((\d{2,4})\)/g;

function parseHumanReadable(data: string, options: Gs1ParseOptions): Gs1ParseResult {
  const marks = [...data.matchAll(HRI_AI)];
  if (marks.length === 0 || marks[0]?.index !== 0) return { ok: false, problem: { reason: 'unknown-ai', offset: 0 } };
  const elements: Gs1Element[] = [];
  for (const [i, mark] of marks.entries()) {
    const offset = mark.index;
    const spec = GS1_AI_TABLE.get(mark[1] ?? '');
    if (!spec) return { ok: false, problem: { reason: 'unknown-ai', offset } };
    const next = marks[i + 1]?.index ?? data.length;
    const element = validate(spec, data.slice(offset + mark[0].length, next), offset, options);
    if (isProblem(element)) return { ok: false, problem: element };
    elements.push(element);
  }
  return { ok: true, elements };
}
