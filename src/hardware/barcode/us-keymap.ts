/**
 * The US keyboard layout as Linux key codes (linux/input-event-codes.h): what
 * a keyboard-mode scanner "types". Each entry is [unshifted, shifted].
 */
export const KEY = {
  ESC: 1,
  BACKSPACE: 14,
  TAB: 15,
  ENTER: 28,
  LEFTCTRL: 29,
  LEFTSHIFT: 42,
  RIGHTSHIFT: 54,
  KPASTERISK: 55,
  LEFTALT: 56,
  SPACE: 57,
  CAPSLOCK: 58,
  NUMLOCK: 69,
  KP7: 71,
  KP8: 72,
  KP9: 73,
  KPMINUS: 74,
  KP4: 75,
  KP5: 76,
  KP6: 77,
  KPPLUS: 78,
  KP1: 79,
  KP2: 80,
  KP3: 81,
  KP0: 82,
  KPDOT: 83,
  KPENTER: 96,
  RIGHTCTRL: 97,
  KPSLASH: 98,
  RIGHTALT: 100,
  RIGHTBRACE: 27,
  F1: 59,
} as const;

const rows: Array<[code: number, plain: string, shifted: string]> = [
  [2, '1', '!'], [3, '2', '@'], [4, '3', '#'], [5, '4', '$'], [6, '5', '%'], [7, '6', '^'], [8, '7', '&'], [9, '8', '*'],
  [10, '9', '('], [11, '0', ')'], [12, '-', '_'], [13, '=', '+'],
  [16, 'q', 'Q'], [17, 'w', 'W'], [18, 'e', 'E'], [19, 'r', 'R'], [20, 't', 'T'], [21, 'y', 'Y'], [22, 'u', 'U'], [23, 'i', 'I'],
  [24, 'o', 'O'], [25, 'p', 'P'], [26, '[', '{'], [27, ']', '}'],
  [30, 'a', 'A'], [31, 's', 'S'], [32, 'd', 'D'], [33, 'f', 'F'], [34, 'g', 'G'], [35, 'h', 'H'], [36, 'j', 'J'], [37, 'k', 'K'],
  [38, 'l', 'L'], [39, ';', ':'], [40, "'", '"'], [41, '`', '~'], [43, '\\', '|'],
  [44, 'z', 'Z'], [45, 'x', 'X'], [46, 'c', 'C'], [47, 'v', 'V'], [48, 'b', 'B'], [49, 'n', 'N'], [50, 'm', 'M'],
  [51, ',', '<'], [52, '.', '>'], [53, '/', '?'], [57, ' ', ' '],
];

/** Keypad keys, as a scanner in "keypad emulation" types digits (NumLock assumed on: it is the console's state, not ours). */
const keypad: Array<[code: number, char: string]> = [
  [KEY.KP0, '0'], [KEY.KP1, '1'], [KEY.KP2, '2'], [KEY.KP3, '3'], [KEY.KP4, '4'], [KEY.KP5, '5'], [KEY.KP6, '6'], [KEY.KP7, '7'],
  [KEY.KP8, '8'], [KEY.KP9, '9'], [KEY.KPMINUS, '-'], [KEY.KPPLUS, '+'], [KEY.KPASTERISK, '*'], [KEY.KPSLASH, '/'], [KEY.KPDOT, '.'],
];

export const KEYMAP: ReadonlyMap<number, readonly [plain: string, shifted: string]> = new Map([
  ...rows.map(([code, plain, shifted]) => [code, [plain, shifted]] as const),
  ...keypad.map(([code, char]) => [code, [char, char]] as const),
]);

export const KEYPAD_DIGITS: ReadonlyMap<number, number> = new Map(
  keypad.filter(([, char]) => /\d/.test(char)).map(([code, char]) => [code, Number(char)]),
);

/** Letter keys, which CapsLock inverts. */
export function isLetterKey(code: number): boolean {
  const entry = KEYMAP.get(code);
  return entry !== undefined && /^[a-z]$/.test(entry[0]);
}

/** How to type a character on the US layout: the main-block key (never the keypad) and whether Shift is held. */
export const KEYSTROKE_FOR_CHAR: ReadonlyMap<string, { key: number; shift: boolean }> = new Map(
  rows.flatMap(([key, plain, shifted]): Array<[string, { key: number; shift: boolean }]> => [
    [shifted, { key, shift: true }],
    [plain, { key, shift: false }],
  ]),
);
