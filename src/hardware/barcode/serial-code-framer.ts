import type { BarcodeSuffix } from '../../ops/config/barcode-config.js';
import { LineFramer } from '../serial/line-framer.js';

/**
 * Bytes from a serial-mode scanner -> codes. Pure: the inter-byte timeout
 * lives in the driver, which calls flush() when the line has gone quiet.
 *
 *   bytes ──► LineFramer (suffix, bounded) ──► trim stray CR/LF ──► validate ──► code
 *
 * The configured suffix is honoured exactly (not "any of CR/LF") because 2D
 * codes may carry line breaks inside: with a CR suffix, a QR with an LF in it
 * stays one code. Stray CR/LF at either end of a code are trimmed, so a
 * scanner sending CRLF to a driver set to CR still yields clean codes.
 */
export interface BadFrame {
  reason: 'overlong' | 'invalid-utf8' | 'control-character';
  /** The bytes thrown away, for a hex log; empty when they were no longer at hand (the tail of an overlong line). */
  bytes: Buffer;
  /** How many bytes were thrown away. */
  length: number;
}

export interface FramedCodes {
  codes: string[];
  bad: BadFrame[];
}

const SUFFIX_BYTES: Record<BarcodeSuffix, Buffer> = {
  CR: Buffer.from('\r'),
  LF: Buffer.from('\n'),
  CRLF: Buffer.from('\r\n'),
};

export function suffixBytes(suffix: BarcodeSuffix): Buffer {
  return SUFFIX_BYTES[suffix];
}

/**
 * C0 controls and DEL have no place in a code, except those that structured
 * data uses: TAB, LF, CR (multi-line 2D codes), EOT, FS, GS (GS1 FNC1), RS
 * (ISO/IEC 15434). C1 controls (U+0080-U+009F) are refused too: they are what
 * mis-decoded Latin-1 garbage usually looks like.
 */
const FORBIDDEN = /[\u0000-\u0003\u0005-\u0008\u000b\u000c\u000e-\u001b\u001f\u007f-\u009f]/;
const EDGE_BREAKS = /^[\r\n]+|[\r\n]+$/g;

export function validateCode(bytes: Buffer): { code: string } | { bad: BadFrame } | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { bad: { reason: 'invalid-utf8', bytes, length: bytes.length } };
  }
  const code = text.replace(EDGE_BREAKS, '');
  if (code.length === 0) return undefined;
  if (FORBIDDEN.test(code)) return { bad: { reason: 'control-character', bytes, length: bytes.length } };
  return { code };
}

export class SerialCodeFramer {
  private readonly framer: LineFramer;
  private readonly suffix: Buffer;

  constructor(options: { suffix: BarcodeSuffix; maxLength: number }) {
    this.suffix = suffixBytes(options.suffix);
    this.framer = new LineFramer({ delimiters: [this.suffix], maxLength: options.maxLength });
  }

  push(chunk: Buffer): FramedCodes {
    const { lines, discarded } = this.framer.push(chunk);
    const result: FramedCodes = { codes: [], bad: [] };
    // The framer reports an overlong line in pieces as it goes; its empty last piece (the suffix came right after) says nothing new.
    for (const { reason, bytes } of discarded) if (bytes.length > 0) result.bad.push({ reason, bytes, length: bytes.length });
    for (const line of lines) this.take(line, result);
    return result;
  }

  /** The line went quiet (inter-byte timeout) or the link went away: whatever is buffered is a code, if it is a valid one. */
  flush(): FramedCodes {
    const result: FramedCodes = { codes: [], bad: [] };
    const pending = this.framer.buffered;
    const rest = this.framer.flush();
    if (rest) this.take(rest, result);
    else if (pending > 0) result.bad.push({ reason: 'overlong', bytes: Buffer.alloc(0), length: pending });
    return result;
  }

  /** Drops anything buffered, e.g. after an unplug: half a code from before is not the start of the next. */
  reset(): number {
    const dropped = this.buffered;
    this.framer.flush();
    return dropped;
  }

  get buffered(): number {
    return this.framer.buffered;
  }

  private take(line: Buffer, into: FramedCodes): void {
    const checked = validateCode(line);
    if (!checked) return;
    if ('bad' in checked) into.bad.push(checked.bad);
    else into.codes.push(checked.code);
  }
}
