import type { Symbology } from './decoded-code.js';

/**
 * AIM symbology identifiers ("]" + code character + modifier, ISO/IEC 15424),
 * which a scanner can be set to send before each code. Only these five say
 * that the data is a GS1 element string; ]C0, ]Q1, ]E0 ... are plain data.
 */
const GS1_IDENTIFIERS: ReadonlySet<string> = new Set([']C1', ']d2', ']Q3', ']e0', ']J1']);
const IDENTIFIER = /^\][A-Za-z][0-9A-Za-z]/;

export function splitSymbology(code: string): { symbology?: Symbology; data: string } {
  const match = IDENTIFIER.exec(code);
  if (!match) return { data: code };
  const id = match[0];
  return { symbology: { id, gs1: GS1_IDENTIFIERS.has(id) }, data: code.slice(id.length) };
}
