import { LineDecoder, type LineParseResult } from './line-decoder.js';
import { parsePrintedWeight, type PrintedWeight } from './printed-weight.js';

/**
 * The continuous ASCII output most RS-232 platform-scale indicators send
 * unasked, one line per display update, CR LF ended:
 *
 *   ST,GS,+0001.250kg     stable,   gross
 *   US,NT,-0000.020kg     unstable, net (the indicator's own tare is active)
 *   OL,GS,+9999.999kg     overload (the value, if any, means nothing)
 *
 * Indicators differ in what they leave out, so both header fields are
 * optional ("ST,+01250.0 g" and "+0001.250kg" are read too); a missing flag
 * is reported as 'unknown' and the driver judges stability itself.
 */
export type ContinuousStability = 'stable' | 'unstable' | 'unknown';
export type ContinuousMode = 'gross' | 'net' | 'unknown';

export type ContinuousFrame =
  | { kind: 'weight'; stability: ContinuousStability; mode: ContinuousMode; weight: PrintedWeight }
  | { kind: 'overload'; mode: ContinuousMode };

export type ContinuousParseProblem = 'bad-byte' | 'malformed' | 'bad-header' | 'bad-value' | 'bad-unit';

export type ContinuousParseResult = LineParseResult<ContinuousFrame, ContinuousParseProblem>;

/** Longest line we accept; real lines are 17-20 bytes. */
export const CONTINUOUS_MAX_LINE = 64;

const STABILITY = { ST: 'stable', US: 'unstable', OL: 'overload' } as const;
const MODE = { GS: 'gross', NT: 'net' } as const;
/** Sign, number, unit, with the spaces indicators pad them with. */
const WEIGHT_FIELD = /^ *([+-]?) *([0-9.]*) *([A-Za-z]*) *$/;

export function parseContinuousLine(line: Buffer): ContinuousParseResult {
  for (const byte of line) if (byte < 0x20 || byte > 0x7e) return { ok: false, reason: 'bad-byte' };
  const fields = line.toString('latin1').split(',');
  if (fields.length > 3) return { ok: false, reason: 'malformed' };
  const weightField = fields.pop()!;
  let stability: ContinuousStability | 'overload' = 'unknown';
  let mode: ContinuousMode = 'unknown';
  for (const [index, raw] of fields.entries()) {
    const header = raw.trim();
    // The stability flag comes first, the gross/net flag second.
    if (index === 0 && Object.hasOwn(STABILITY, header)) stability = STABILITY[header as keyof typeof STABILITY];
    else if (mode === 'unknown' && Object.hasOwn(MODE, header)) mode = MODE[header as keyof typeof MODE];
    else return { ok: false, reason: 'bad-header' };
  }
  if (stability === 'overload') {
    // "OL,GS" without a value: the last field is the mode.
    const last = weightField.trim();
    if (mode === 'unknown' && Object.hasOwn(MODE, last)) mode = MODE[last as keyof typeof MODE];
    return { ok: true, frame: { kind: 'overload', mode } };
  }

  const match = WEIGHT_FIELD.exec(weightField);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, sign = '', number = '', unit = ''] = match;
  if (unit === '') return { ok: false, reason: number === '' ? 'bad-value' : 'bad-unit' };
  const weight = parsePrintedWeight(sign + number, unit);
  if (typeof weight === 'string') return { ok: false, reason: weight };
  return { ok: true, frame: { kind: 'weight', stability, mode, weight } };
}

/** A stream decoder for continuous ASCII output: CR/LF lines, bounded, never throwing. */
export function createContinuousDecoder(): LineDecoder<ContinuousFrame, ContinuousParseProblem> {
  return new LineDecoder(parseContinuousLine, { maxLength: CONTINUOUS_MAX_LINE });
}
