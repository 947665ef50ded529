import type { BarcodeKind } from '../../protocol/events.js';
import type { z } from 'zod';

/**
 * What a scanned code is, as the deposit flow and the events need it. `kind`
 * is exactly the event schema's BarcodeKind; the other fields are details.
 */
export type BarcodeKindName = z.infer<typeof BarcodeKind>;

/** An AIM symbology identifier that the scanner put before the data, e.g. "]C1" (GS1-128) or "]Q1" (QR). */
export interface Symbology {
  id: string;
  /** True for the identifiers that announce GS1 data: ]C1, ]d2, ]Q3, ]e0, ]J1. */
  gs1: boolean;
}

export interface Gs1Element {
  /** Application Identifier, e.g. "01". */
  ai: string;
  /** Short GS1 data title, e.g. "GTIN". */
  title: string;
  value: string;
  /** For date AIs (11, 12, 13, 15, 16, 17): the date as YYYY-MM-DD (day 00 means the last day of the month). */
  date?: string;
}

export type Gs1Problem =
  | { reason: 'unknown-ai'; offset: number }
  | { reason: 'too-short'; ai: string; offset: number }
  | { reason: 'too-long'; ai: string; offset: number }
  | { reason: 'bad-character'; ai: string; offset: number }
  | { reason: 'check-digit'; ai: string; offset: number }
  | { reason: 'bad-date'; ai: string; offset: number }
  | { reason: 'empty'; offset: number };

interface DecodedBase {
  /** The code without its symbology identifier. */
  data: string;
  symbology?: Symbology;
}

export interface DecodedWaybill extends DecodedBase {
  kind: 'waybill';
  carrier: string;
}

export interface DecodedConsumerSession extends DecodedBase {
  kind: 'consumer-session';
  /** The session code itself, picked out of a URL form when the app encodes one. */
  session: string;
}

export interface DecodedGs1 extends DecodedBase {
  kind: 'gs1';
  elements: Gs1Element[];
}

export interface DecodedStaff extends DecodedBase {
  kind: 'staff';
  staff: string;
}

export interface DecodedUnknown extends DecodedBase {
  kind: 'unknown';
  /** Why a code that announced itself as GS1 (or looked like it) was not accepted, e.g. a wrong check digit. */
  gs1Problem?: Gs1Problem;
  /** A waybill pattern matched but its check digit did not. */
  waybillProblem?: { carrier: string; reason: 'check-digit' };
}

export type DecodedCode = DecodedWaybill | DecodedConsumerSession | DecodedGs1 | DecodedStaff | DecodedUnknown;

/** Fails to compile if the decoder's kinds and the event schema's BarcodeKind drift apart. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AssertTrue<T extends true> = T;
export type DecodedKindsMatchEventSchema = AssertTrue<Same<DecodedCode['kind'], BarcodeKindName>>;
