import { ErrorCode, KioskError } from '../../ops/errors.js';
import { EV_KEY, EV_MSC, EV_SYN, KEY_PRESS, KEY_RELEASE, MSC_SCAN, SYN_REPORT, type InputEvent } from './evdev.js';
import { KEY, KEYSTROKE_FOR_CHAR } from './us-keymap.js';

/**
 * The other direction of keymap-decoder: a code -> the input events a USB
 * keyboard-mode scanner produces for it on the US layout, as the kernel
 * reports them (MSC_SCAN, key, SYN_REPORT per change). The HID simulator
 * writes these; the driver must read them back as the same code.
 */
export interface Keystroke {
  key: number;
  shift: boolean;
  ctrl: boolean;
}

const CONTROL_KEYSTROKES: ReadonlyMap<string, Keystroke> = new Map([
  ['\u001d', { key: KEY.RIGHTBRACE, shift: false, ctrl: true }],
  ['\u001e', { key: 7, shift: true, ctrl: true }],
  ['\u0004', { key: 32, shift: false, ctrl: true }],
]);

/** Throws HardwareUnsupported for a character a US keyboard cannot type (non-ASCII, most controls). */
export function keystrokesFor(text: string): Keystroke[] {
  return [...text].map((char) => {
    const control = CONTROL_KEYSTROKES.get(char);
    if (control) return control;
    const stroke = KEYSTROKE_FOR_CHAR.get(char);
    if (!stroke) {
      throw new KioskError(ErrorCode.HardwareUnsupported, `a keyboard-mode scanner cannot type U+${char.codePointAt(0)?.toString(16).padStart(4, '0')}`, {
        char,
      });
    }
    return { ...stroke, ctrl: false };
  });
}

/** HID usage ids for MSC_SCAN: keyboard page 0x07 | usage. Real keyboards send them; the value only has to look right. */
function scanCode(key: number): number {
  return 0x70000 | key;
}

export function keyEvents(key: number, value: number, at: { seconds: number; microseconds: number }): InputEvent[] {
  return [
    { ...at, type: EV_MSC, code: MSC_SCAN, value: scanCode(key) },
    { ...at, type: EV_KEY, code: key, value },
    { ...at, type: EV_SYN, code: SYN_REPORT, value: 0 },
  ];
}

/** Events for typing `strokes` then, unless told otherwise, Enter. `now` gives the timestamp in microseconds. */
export function inputEventsFor(strokes: readonly Keystroke[], options: { enter: boolean; nowMicros: () => number }): InputEvent[] {
  const events: InputEvent[] = [];
  const at = (): { seconds: number; microseconds: number } => {
    const micros = options.nowMicros();
    return { seconds: Math.floor(micros / 1e6), microseconds: micros % 1e6 };
  };
  const tap = (key: number): void => {
    events.push(...keyEvents(key, KEY_PRESS, at()), ...keyEvents(key, KEY_RELEASE, at()));
  };
  for (const stroke of strokes) {
    if (stroke.ctrl) events.push(...keyEvents(KEY.LEFTCTRL, KEY_PRESS, at()));
    if (stroke.shift) events.push(...keyEvents(KEY.LEFTSHIFT, KEY_PRESS, at()));
    tap(stroke.key);
    if (stroke.shift) events.push(...keyEvents(KEY.LEFTSHIFT, KEY_RELEASE, at()));
    if (stroke.ctrl) events.push(...keyEvents(KEY.LEFTCTRL, KEY_RELEASE, at()));
  }
  if (options.enter) tap(KEY.ENTER);
  return events;
}
