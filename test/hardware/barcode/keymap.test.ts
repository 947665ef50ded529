import { describe, expect, it } from 'vitest';
import { EV_KEY, EV_SYN, KEY_PRESS, KEY_RELEASE, KEY_REPEAT, type InputEvent } from '../../../src/hardware/barcode/evdev.js';
import { KeymapDecoder } from '../../../src/hardware/barcode/keymap-decoder.js';
import { inputEventsFor, keystrokesFor } from '../../../src/hardware/barcode/keymap-encoder.js';
import { KEY } from '../../../src/hardware/barcode/us-keymap.js';

const t = { seconds: 1, microseconds: 0 };
const press = (code: number): InputEvent => ({ ...t, type: EV_KEY, code, value: KEY_PRESS });
const release = (code: number): InputEvent => ({ ...t, type: EV_KEY, code, value: KEY_RELEASE });
const repeat = (code: number): InputEvent => ({ ...t, type: EV_KEY, code, value: KEY_REPEAT });
const tap = (code: number): InputEvent[] => [press(code), release(code)];
const shifted = (code: number, shift: number = KEY.LEFTSHIFT): InputEvent[] => [press(shift), ...tap(code), release(shift)];
const syn: InputEvent = { ...t, type: EV_SYN, code: 0, value: 0 };
const dropped: InputEvent = { ...t, type: EV_SYN, code: 3, value: 0 };

const K = { a: 30, s: 31, f: 33, one: 2, four: 5, six: 7, minus: 12 } as const;

function decode(events: InputEvent[], maxLength = 32): { codes: string[]; discarded: string[] } {
  const result = new KeymapDecoder({ maxLength }).push(events);
  return { codes: result.codes, discarded: result.discarded.map((d) => d.reason) };
}

describe('KeymapDecoder (US layout)', () => {
  it.each<[string, InputEvent[], string[], string[]]>([
    ['lower case and digits, Enter ends the code', [...tap(K.s), ...tap(K.f), ...tap(K.one), ...tap(KEY.ENTER)], ['sf1'], []],
    ['left and right Shift give capitals and symbols', [...shifted(K.s), ...shifted(K.f, KEY.RIGHTSHIFT), ...shifted(K.one), ...tap(KEY.ENTER)], ['SF!'], []],
    ['keypad Enter ends a code too', [...tap(K.a), ...tap(KEY.KPENTER)], ['a'], []],
    ['keypad digits', [...tap(KEY.KP7), ...tap(KEY.KP0), ...tap(KEY.KPMINUS), ...tap(KEY.ENTER)], ['70-'], []],
    ['SYN and MSC events are ignored', [press(K.a), syn, { ...t, type: 4, code: 4, value: 0x70004 }, release(K.a), syn, ...tap(KEY.ENTER)], ['a'], []],
    ['autorepeat types nothing', [press(K.a), repeat(K.a), repeat(K.a), release(K.a), ...tap(KEY.ENTER)], ['a'], []],
    ['an empty line is no code', [...tap(KEY.ENTER), ...tap(KEY.ENTER)], [], []],
    ['two codes', [...tap(K.a), ...tap(KEY.ENTER), ...tap(K.one), ...tap(KEY.ENTER)], ['a', '1'], []],
    ['CapsLock inverts letters only', [...tap(KEY.CAPSLOCK), ...tap(K.a), ...shifted(K.a), ...tap(K.one), ...tap(KEY.ENTER)], ['Aa1'], []],
    ['Ctrl+] types GS (FNC1)', [...tap(K.one), press(KEY.LEFTCTRL), ...tap(KEY.RIGHTBRACE), release(KEY.LEFTCTRL), ...tap(K.one), ...tap(KEY.ENTER)], ['1\u001d1'], []],
    [
      'Alt + keypad 0 2 9 types GS',
      [...tap(K.one), press(KEY.LEFTALT), ...tap(KEY.KP0), ...tap(KEY.KP2), ...tap(KEY.KP9), release(KEY.LEFTALT), ...tap(KEY.ENTER)],
      ['1\u001d'],
      [],
    ],
    ['Alt + a control code that codes never carry', [press(KEY.LEFTALT), ...tap(KEY.KP7), release(KEY.LEFTALT), ...tap(K.a), ...tap(KEY.ENTER)], ['a'], ['unmapped-character']],
    ['an unmapped key is skipped and reported', [...tap(K.a), ...tap(KEY.F1), ...tap(K.a), ...tap(KEY.ENTER)], ['aa'], ['unmapped-key']],
    ['a release without a press is harmless', [release(KEY.LEFTSHIFT), release(K.a), ...tap(K.a), ...tap(KEY.ENTER)], ['a'], []],
    ['SYN_DROPPED drops the code being typed up to the next Enter', [...tap(K.a), dropped, ...tap(K.s), ...tap(KEY.ENTER), ...tap(K.f), ...tap(KEY.ENTER)], ['f'], ['events-dropped']],
    ['SYN_DROPPED forgets a Shift whose release may be lost', [press(KEY.LEFTSHIFT), dropped, ...tap(KEY.ENTER), ...tap(K.a), ...tap(KEY.ENTER)], ['a'], ['events-dropped']],
  ])('%s', (_name, events, codes, discarded) => {
    expect(decode(events)).toEqual({ codes, discarded });
  });

  it('drops an overlong code whole and reads the next one', () => {
    const events = [...Array.from({ length: 40 }, () => tap(K.one)).flat(), ...tap(KEY.ENTER), ...tap(K.a), ...tap(KEY.ENTER)];
    const decoder = new KeymapDecoder({ maxLength: 8 });
    const result = decoder.push(events);
    expect(result.codes).toEqual(['a']);
    expect(result.discarded).toEqual([{ reason: 'overlong', detail: '11111111' }]);
    expect(decoder.pendingLength).toBe(0);
  });

  it('keeps state across pushes (a code split between reads)', () => {
    const decoder = new KeymapDecoder({ maxLength: 32 });
    expect(decoder.push([press(KEY.LEFTSHIFT), ...tap(K.s)]).codes).toEqual([]);
    expect(decoder.push([release(KEY.LEFTSHIFT), ...tap(K.f), ...tap(KEY.ENTER)]).codes).toEqual(['Sf']);
  });

  it('reset() forgets held modifiers and the partial code', () => {
    const decoder = new KeymapDecoder({ maxLength: 32 });
    decoder.push([press(KEY.LEFTSHIFT), ...tap(K.a)]);
    decoder.reset();
    expect(decoder.push([...tap(K.a), ...tap(KEY.ENTER)]).codes).toEqual(['a']);
  });
});

describe('keymap encoder (what the HID simulator types)', () => {
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

  it.each([
    ['every printable ASCII character', printable],
    ['a waybill', 'SF1400039871234'],
    ['a consumer URL', 'https://app.example.cn/s/KC-7Q2M-91XZ'],
    ['GS1 with FNC1, RS and EOT', ']C10109506000134352\u001d10AB\u001e\u0004'],
  ])('round-trips %s through the decoder', (_name, text) => {
    const events = inputEventsFor(keystrokesFor(text), { enter: true, nowMicros: () => 1_000_000 });
    expect(decode(events, 512)).toEqual({ codes: [text], discarded: [] });
  });

  it('refuses characters a US keyboard cannot type', () => {
    expect(() => keystrokesFor('回收')).toThrow(expect.objectContaining({ code: 103 }));
    expect(() => keystrokesFor('a\u0000')).toThrow(expect.objectContaining({ code: 103 }));
  });

  it('types Shift around a capital, with MSC_SCAN and SYN_REPORT per key change', () => {
    const events = inputEventsFor(keystrokesFor('A'), { enter: false, nowMicros: () => 1_500_000 });
    expect(events.map((e) => [e.type, e.code, e.value])).toEqual([
      [4, 4, 0x70000 | KEY.LEFTSHIFT], [1, KEY.LEFTSHIFT, 1], [0, 0, 0],
      [4, 4, 0x70000 | K.a], [1, K.a, 1], [0, 0, 0],
      [4, 4, 0x70000 | K.a], [1, K.a, 0], [0, 0, 0],
      [4, 4, 0x70000 | KEY.LEFTSHIFT], [1, KEY.LEFTSHIFT, 0], [0, 0, 0],
    ]);
    expect(events[0]).toMatchObject({ seconds: 1, microseconds: 500_000 });
  });
});
