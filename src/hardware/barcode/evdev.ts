/**
 * Linux input events (linux/input.h) as read from /dev/input/event*: on a
 * 64-bit kernel one `struct input_event` is 24 bytes, little-endian:
 *
 *   offset 0  int64 tv_sec    8  int64 tv_usec   16 u16 type   18 u16 code   20 s32 value
 *
 * The kernel always hands out whole events, but a stream (a FIFO in tests,
 * or bytes after a corrupted read) may be cut anywhere or carry junk, so the
 * parser checks each record for plausibility and, when one fails, slides
 * forward byte by byte until two plausible records in a row show it is back in
 * step. Skipped bytes are reported, never thrown; the buffer stays < 48 bytes.
 */
export const INPUT_EVENT_SIZE = 24;

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_MSC = 0x04;
export const EV_LED = 0x11;
export const EV_REP = 0x14;

export const SYN_REPORT = 0;
export const SYN_DROPPED = 3;
export const MSC_SCAN = 4;

export const KEY_RELEASE = 0;
export const KEY_PRESS = 1;
export const KEY_REPEAT = 2;

/** Largest key code the kernel defines (KEY_MAX). */
const KEY_MAX = 0x2ff;
/** Event types the kernel defines (EV_SYN..EV_FF_STATUS); anything else is not an input_event. */
const KNOWN_TYPES: ReadonlySet<number> = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x11, 0x12, 0x14, 0x15, 0x16, 0x17]);
/** 2^34 s is the year 2514: a timestamp beyond that is junk, not time. */
const MAX_SECONDS = 2 ** 34;

export interface InputEvent {
  seconds: number;
  microseconds: number;
  type: number;
  code: number;
  value: number;
}

export function encodeInputEvent(event: InputEvent): Buffer {
  const buffer = Buffer.alloc(INPUT_EVENT_SIZE);
  buffer.writeBigInt64LE(BigInt(event.seconds), 0);
  buffer.writeBigInt64LE(BigInt(event.microseconds), 8);
  buffer.writeUInt16LE(event.type, 16);
  buffer.writeUInt16LE(event.code, 18);
  buffer.writeInt32LE(event.value, 20);
  return buffer;
}

/** Reads one record without judging it; `buffer` must hold 24 bytes from `offset`. */
export function decodeInputEvent(buffer: Buffer, offset = 0): InputEvent {
  return {
    seconds: Number(buffer.readBigInt64LE(offset)),
    microseconds: Number(buffer.readBigInt64LE(offset + 8)),
    type: buffer.readUInt16LE(offset + 16),
    code: buffer.readUInt16LE(offset + 18),
    value: buffer.readInt32LE(offset + 20),
  };
}

/** Could the kernel have written this? Loose enough for any real device, tight enough that shifted bytes fail. */
export function isPlausibleInputEvent(event: InputEvent): boolean {
  const { seconds, microseconds, type, code, value } = event;
  if (seconds < 0 || seconds >= MAX_SECONDS || microseconds < 0 || microseconds >= 1_000_000) return false;
  if (!KNOWN_TYPES.has(type)) return false;
  switch (type) {
    case EV_SYN:
      return code <= SYN_DROPPED && value === 0;
    case EV_KEY:
      return code <= KEY_MAX && value >= KEY_RELEASE && value <= KEY_REPEAT;
    case EV_MSC:
      return code <= 0x07;
    case EV_LED:
      return code <= 0x0f && (value === 0 || value === 1);
    case EV_REP:
      return code <= 1;
    default:
      return true;
  }
}

export interface ParsedInput {
  events: InputEvent[];
  /** Byte runs skipped to get back in step with the 24-byte records. */
  discarded: Array<{ reason: 'misaligned' | 'truncated'; bytes: Buffer }>;
}

export class InputEventParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Records start at the buffer's start; false while hunting for the next record boundary. */
  private inStep = true;

  push(chunk: Buffer): ParsedInput {
    const result: ParsedInput = { events: [], discarded: [] };
    const data = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    let junkFrom = -1;
    for (;;) {
      const left = data.length - offset;
      if (this.inStep) {
        if (left < INPUT_EVENT_SIZE) break;
        const event = decodeInputEvent(data, offset);
        if (isPlausibleInputEvent(event)) {
          result.events.push(event);
          offset += INPUT_EVENT_SIZE;
          continue;
        }
        this.inStep = false;
      }
      // Hunting: one plausible record could be chance; two in a row mean we are back in step.
      if (left < 2 * INPUT_EVENT_SIZE) break;
      if (isPlausibleInputEvent(decodeInputEvent(data, offset)) && isPlausibleInputEvent(decodeInputEvent(data, offset + INPUT_EVENT_SIZE))) {
        if (junkFrom >= 0) result.discarded.push({ reason: 'misaligned', bytes: Buffer.from(data.subarray(junkFrom, offset)) });
        junkFrom = -1;
        this.inStep = true;
        continue;
      }
      if (junkFrom < 0) junkFrom = offset;
      offset += 1;
    }
    if (junkFrom >= 0) result.discarded.push({ reason: 'misaligned', bytes: Buffer.from(data.subarray(junkFrom, offset)) });
    this.buffer = Buffer.from(data.subarray(offset));
    return result;
  }

  /** End of stream: a last whole plausible record still counts, anything else is dropped. */
  flush(): ParsedInput {
    const result: ParsedInput = { events: [], discarded: [] };
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.inStep = true;
    let offset = 0;
    if (rest.length >= INPUT_EVENT_SIZE && isPlausibleInputEvent(decodeInputEvent(rest, 0))) {
      result.events.push(decodeInputEvent(rest, 0));
      offset = INPUT_EVENT_SIZE;
    }
    if (offset < rest.length) result.discarded.push({ reason: 'truncated', bytes: Buffer.from(rest.subarray(offset)) });
    return result;
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
