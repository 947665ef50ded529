import { EV_KEY, EV_SYN, KEY_PRESS, KEY_RELEASE, SYN_DROPPED, type InputEvent } from './evdev.js';
import { KEY, KEYMAP, KEYPAD_DIGITS, isLetterKey } from './us-keymap.js';

/**
 * Key events from a keyboard-mode scanner -> codes, with the US layout.
 * Pure; state is only the code being typed and the modifier keys held.
 *
 *   input_event ──► modifiers (Shift, Ctrl, Alt, CapsLock) ──► character ──► ... ──► Enter ──► code
 *
 * - A character is typed on key press. Autorepeat is ignored: a scanner never
 *   holds a key on purpose, so a repeat means a stalled USB transfer, and a
 *   doubled character would corrupt the code.
 * - Enter or keypad Enter ends a code; an empty code is ignored.
 * - Control characters that GS1 and ISO 15434 data need come as Ctrl+] (GS,
 *   the FNC1 separator), Ctrl+^ (RS), Ctrl+D (EOT), or Alt + keypad decimal digits
 *   (Alt 029 = GS), the two ways scanners type them.
 * - EV_SYN is ignored, except SYN_DROPPED: the kernel lost events, so the code
 *   being typed is incomplete and is dropped up to the next Enter.
 * - A code longer than maxLength is dropped whole; memory stays bounded.
 * - Each code starts from a clean keyboard: a scanner releases every key
 *   between codes, so a modifier or CapsLock still on at Enter is a lost
 *   release (or junk), and carrying it over would corrupt every later code.
 */
export interface KeymapDiscard {
  reason: 'overlong' | 'unmapped-key' | 'events-dropped' | 'unmapped-character';
  /** What had been typed of the dropped code (at most maxLength), or the key code. */
  detail: string;
}

export interface DecodedKeys {
  codes: string[];
  discarded: KeymapDiscard[];
}

const SHIFT_KEYS = new Set<number>([KEY.LEFTSHIFT, KEY.RIGHTSHIFT]);
const CTRL_KEYS = new Set<number>([KEY.LEFTCTRL, KEY.RIGHTCTRL]);
const ALT_KEYS = new Set<number>([KEY.LEFTALT, KEY.RIGHTALT]);
const ENTER_KEYS = new Set<number>([KEY.ENTER, KEY.KPENTER]);
/** Ctrl + key -> control character, for the controls codes may carry. */
const CTRL_CHARS: ReadonlyMap<number, string> = new Map([
  [KEY.RIGHTBRACE, '\u001d'],
  [7, '\u001e'], // Ctrl+^ is Ctrl+Shift+6 on the US layout; the 6 key
  [32, '\u0004'], // Ctrl+D
]);
const ALT_CODE_ALLOWED = /^[\u0004\u001c-\u001e\u0020-\u007e]$/;

export class KeymapDecoder {
  private typed = '';
  private overlong = false;
  private dropping = false;
  private readonly shifts = new Set<number>();
  private readonly ctrls = new Set<number>();
  private readonly alts = new Set<number>();
  private capsLock = false;
  private altDigits: string | undefined;

  constructor(private readonly options: { maxLength: number }) {}

  push(events: readonly InputEvent[]): DecodedKeys {
    const result: DecodedKeys = { codes: [], discarded: [] };
    for (const event of events) this.handle(event, result);
    return result;
  }

  /** Forget everything, e.g. when the device was reopened: keys held before are not held now. */
  reset(): void {
    this.typed = '';
    this.overlong = false;
    this.dropping = false;
    this.shifts.clear();
    this.ctrls.clear();
    this.alts.clear();
    this.capsLock = false;
    this.altDigits = undefined;
  }

  get pendingLength(): number {
    return this.typed.length;
  }

  private handle(event: InputEvent, result: DecodedKeys): void {
    if (event.type === EV_SYN && event.code === SYN_DROPPED) {
      result.discarded.push({ reason: 'events-dropped', detail: this.typed });
      this.typed = '';
      this.dropping = true;
      this.shifts.clear();
      this.ctrls.clear();
      this.alts.clear();
      this.altDigits = undefined;
      return;
    }
    if (event.type !== EV_KEY) return;
    const { code, value } = event;
    if (this.trackModifier(code, value, result)) return;
    if (value !== KEY_PRESS) return;
    if (ENTER_KEYS.has(code)) {
      this.endCode(result);
      return;
    }
    if (this.alts.size > 0) {
      const digit = KEYPAD_DIGITS.get(code);
      if (digit !== undefined) {
        this.altDigits = (this.altDigits ?? '') + String(digit);
        return;
      }
    }
    const char = this.characterFor(code);
    if (char === undefined) {
      if (code !== KEY.CAPSLOCK && code !== KEY.NUMLOCK) result.discarded.push({ reason: 'unmapped-key', detail: `key ${code}` });
      return;
    }
    this.type(char);
  }

  /** Updates Shift/Ctrl/Alt/CapsLock; true when the key was a modifier. */
  private trackModifier(code: number, value: number, result: DecodedKeys): boolean {
    const sets: Array<Set<number>> = [];
    if (SHIFT_KEYS.has(code)) sets.push(this.shifts);
    else if (CTRL_KEYS.has(code)) sets.push(this.ctrls);
    else if (ALT_KEYS.has(code)) sets.push(this.alts);
    else if (code === KEY.CAPSLOCK) {
      if (value === KEY_PRESS) this.capsLock = !this.capsLock;
      return true;
    } else return false;
    for (const set of sets) {
      if (value === KEY_PRESS) set.add(code);
      else if (value === KEY_RELEASE) set.delete(code);
    }
    if (ALT_KEYS.has(code) && value === KEY_RELEASE && this.alts.size === 0) this.finishAltCode(result);
    return true;
  }

  private finishAltCode(result: DecodedKeys): void {
    const digits = this.altDigits;
    this.altDigits = undefined;
    if (digits === undefined) return;
    const char = String.fromCharCode(Number(digits) % 256);
    if (ALT_CODE_ALLOWED.test(char)) this.type(char);
    else result.discarded.push({ reason: 'unmapped-character', detail: `alt ${digits}` });
  }

  private characterFor(code: number): string | undefined {
    if (this.ctrls.size > 0) return CTRL_CHARS.get(code);
    const entry = KEYMAP.get(code);
    if (!entry) return undefined;
    let shifted = this.shifts.size > 0;
    if (this.capsLock && isLetterKey(code)) shifted = !shifted;
    return shifted ? entry[1] : entry[0];
  }

  private type(char: string): void {
    if (this.dropping || this.overlong) return;
    if (this.typed.length >= this.options.maxLength) {
      this.overlong = true;
      return;
    }
    this.typed += char;
  }

  private endCode(result: DecodedKeys): void {
    if (this.overlong) result.discarded.push({ reason: 'overlong', detail: this.typed });
    else if (!this.dropping && this.typed.length > 0) result.codes.push(this.typed);
    this.reset();
  }
}
