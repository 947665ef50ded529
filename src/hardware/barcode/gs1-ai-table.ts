/**
 * The GS1 Application Identifiers this kiosk can read, after the GS1 General
 * Specifications (section 3, "GS1 Application Identifier definitions"). An AI
 * not listed here stops parsing: without its length the rest of the string
 * cannot be split, so guessing would mislabel every following field.
 */
export interface Gs1AiSpec {
  ai: string;
  title: string;
  /** Exact data length for fixed-length AIs. */
  fixed?: number;
  /** Longest data for variable-length AIs (they end at GS or at the end of the string). */
  max?: number;
  /** Digits only; otherwise GS1 character set 82. */
  numeric: boolean;
  /** The last digit is a GS1 mod-10 check digit. */
  check?: boolean;
  /** YYMMDD. */
  date?: boolean;
}

const fixedNumeric = (ai: string, title: string, length: number, extra: Partial<Gs1AiSpec> = {}): Gs1AiSpec => ({
  ai,
  title,
  fixed: length,
  numeric: true,
  ...extra,
});
const variable = (ai: string, title: string, max: number, numeric = false): Gs1AiSpec => ({ ai, title, max, numeric });

/** Measures (310n..369n): six digits, the AI's last digit says where the decimal point goes. */
function measureFamily(prefix: string, title: string): Gs1AiSpec[] {
  return [0, 1, 2, 3, 4, 5].map((decimals) => fixedNumeric(`${prefix}${decimals}`, title, 6));
}

const specs: Gs1AiSpec[] = [
  fixedNumeric('00', 'SSCC', 18, { check: true }),
  fixedNumeric('01', 'GTIN', 14, { check: true }),
  fixedNumeric('02', 'CONTENT', 14, { check: true }),
  variable('10', 'BATCH/LOT', 20),
  fixedNumeric('11', 'PROD DATE', 6, { date: true }),
  fixedNumeric('12', 'DUE DATE', 6, { date: true }),
  fixedNumeric('13', 'PACK DATE', 6, { date: true }),
  fixedNumeric('15', 'BEST BEFORE or BEST BY', 6, { date: true }),
  fixedNumeric('16', 'SELL BY', 6, { date: true }),
  fixedNumeric('17', 'USE BY or EXPIRY', 6, { date: true }),
  fixedNumeric('20', 'VARIANT', 2),
  variable('21', 'SERIAL', 20),
  variable('22', 'CPV', 20),
  variable('240', 'ADDITIONAL ID', 30),
  variable('241', 'CUST. PART No.', 30),
  variable('250', 'SECONDARY SERIAL', 30),
  variable('251', 'REF. TO SOURCE', 30),
  variable('30', 'VAR. COUNT', 8, true),
  ...measureFamily('310', 'NET WEIGHT (kg)'),
  ...measureFamily('330', 'GROSS WEIGHT (kg)'),
  variable('37', 'COUNT', 8, true),
  variable('400', 'ORDER NUMBER', 30),
  variable('401', 'GINC', 30),
  fixedNumeric('402', 'GSIN', 17, { check: true }),
  variable('403', 'ROUTE', 30),
  fixedNumeric('410', 'SHIP TO LOC', 13, { check: true }),
  fixedNumeric('411', 'BILL TO', 13, { check: true }),
  fixedNumeric('412', 'PURCHASE FROM', 13, { check: true }),
  fixedNumeric('413', 'SHIP FOR LOC', 13, { check: true }),
  fixedNumeric('414', 'LOC No.', 13, { check: true }),
  fixedNumeric('415', 'PAY TO', 13, { check: true }),
  variable('420', 'SHIP TO POST', 20),
  fixedNumeric('422', 'ORIGIN', 3),
  variable('90', 'INTERNAL', 30),
  ...['91', '92', '93', '94', '95', '96', '97', '98', '99'].map((ai) => variable(ai, 'INTERNAL', 90)),
];

export const GS1_AI_TABLE: ReadonlyMap<string, Gs1AiSpec> = new Map(specs.map((spec) => [spec.ai, spec]));
