import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineEditor, type EditorEvent } from '../../src/console/line-editor.js';

function run(input: string | Buffer, options: ConstructorParameters<typeof LineEditor>[0] = {}): { echo: string; events: EditorEvent[] } {
  const editor = new LineEditor(options);
  return editor.feed(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
}

const lines = (events: EditorEvent[]): string[] => events.flatMap((event) => (event.type === 'line' ? [event.text] : []));

describe('LineEditor', () => {
  it.each([
    ['CR ends a line', 'ls\r', ['ls']],
    ['LF ends a line', 'ls\n', ['ls']],
    ['CRLF is one line end', 'a\r\nb\r\n', ['a', 'b']],
    ['LF CR is two line ends', 'a\n\r', ['a', '']],
    ['empty lines are lines', '\r\r', ['', '']],
    ['backspace erases one character', 'stx\bat\r', ['stat']],
    ['DEL erases one character', 'stx\x7fat\r', ['stat']],
    ['backspace on an empty line does nothing', '\b\x7fok\r', ['ok']],
    ['Ctrl-U erases the line', 'garbage\x15help\r', ['help']],
    ['arrow keys are swallowed', 'he\x1b[Alp\x1b[D\r', ['help']],
    ['SS3 keys are swallowed', 'he\x1bOPlp\r', ['help']],
    ['CSI with parameters is swallowed', 'a\x1b[1;5Cb\r', ['ab']],
    ['ESC + one char is swallowed', 'a\x1bxb\r', ['ab']],
    ['tab is ignored', 'a\tb\r', ['ab']],
    ['no line without a line end', 'status', []],
  ])('%s', (_name, input, expected) => {
    expect(lines(run(input).events)).toEqual(expected);
  });

  it('decodes UTF-8 and erases a multi-byte character at once', () => {
    const { events } = run(Buffer.concat([Buffer.from('grüß'), Buffer.from([0x7f]), Buffer.from('e\r')]));
    expect(lines(events)).toEqual(['grüe']);
  });

  it('keeps a CRLF split across chunks as one line end, and a UTF-8 character split across chunks', () => {
    const editor = new LineEditor();
    const euro = Buffer.from('€');
    const events = [
      ...editor.feed(Buffer.from('a\r')).events,
      ...editor.feed(Buffer.from('\nb')).events,
      ...editor.feed(euro.subarray(0, 1)).events,
      ...editor.feed(euro.subarray(1)).events,
      ...editor.feed(Buffer.from('\n')).events,
    ];
    expect(lines(events)).toEqual(['a', 'b€']);
  });

  it('echoes typed characters, erasures and line ends', () => {
    expect(run('ab\x7fc\r').echo).toBe('ab\b \bc\r\n');
  });

  it('masks or hides a secret', () => {
    expect(run('1234\x7f\r', { echo: 'mask' }).echo).toBe('****\b \b\r\n');
    expect(run('1234\x7f\r', { echo: 'off' }).echo).toBe('\r\n');
    expect(lines(run('1234\r', { echo: 'off' }).events)).toEqual(['1234']);
  });

  it('cancels a line with Ctrl-C', () => {
    const { echo, events } = run('reboot\x03help\r');
    expect(events).toEqual([{ type: 'cancel' }, { type: 'line', text: 'help' }]);
    expect(echo).toContain('^C\r\n');
  });

  it.each([
    ['a control byte', Buffer.from([0x61, 0x01, 0x62, 0x0d, 0x6f, 0x6b, 0x0d])],
    ['a stray continuation byte', Buffer.from([0x61, 0x80, 0x0d, 0x6f, 0x6b, 0x0d])],
    ['a truncated UTF-8 sequence', Buffer.from([0x61, 0xc3, 0x0d, 0x6f, 0x6b, 0x0d])],
    ['an overlong UTF-8 form', Buffer.from([0xe0, 0x80, 0xaf, 0x0d, 0x6f, 0x6b, 0x0d])],
    ['a UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80, 0x0d, 0x6f, 0x6b, 0x0d])],
    ['an invalid lead byte', Buffer.from([0xff, 0xfe, 0x0d, 0x6f, 0x6b, 0x0d])],
  ])('refuses a line with %s once, discards it, and takes the next', (_name, input) => {
    const { events } = run(input);
    expect(events).toEqual([
      { type: 'rejected', reason: 'binary', message: 'binary input ignored' },
      { type: 'discarded' },
      { type: 'line', text: 'ok' },
    ]);
  });

  it('refuses an overlong line at the limit, discards the rest of it, and takes the next', () => {
    const { events } = run(`${'x'.repeat(30)}\r${'y'.repeat(10)}\r`, { maxLineBytes: 20 });
    expect(events).toEqual([
      { type: 'rejected', reason: 'overlong', message: 'line too long (max 20 bytes); ignored' },
      { type: 'discarded' },
      { type: 'line', text: 'y'.repeat(10) },
    ]);
  });

  it('accepts a line of exactly maxLineBytes', () => {
    expect(lines(run(`${'z'.repeat(20)}\r`, { maxLineBytes: 20 }).events)).toEqual(['z'.repeat(20)]);
  });

  it('Ctrl-C ends the discarding of a refused line', () => {
    const { events } = run('a\x01junk\x03ok\r');
    expect(events.map((event) => event.type)).toEqual(['rejected', 'cancel', 'line']);
  });

  it('display() shows the typed line as the terminal shows it', () => {
    const editor = new LineEditor();
    editor.feed(Buffer.from('sta'));
    expect(editor.display()).toBe('sta');
    editor.setEcho('mask');
    expect(editor.display()).toBe('***');
  });

  describe('fuzzed (fixed seed)', () => {
    const bytes = fc.uint8Array({ maxLength: 600 });
    const params = { seed: 0x6b696f73, numRuns: 400 };

    it('never throws, bounds every line, and never lets a control byte into one', () => {
      fc.assert(
        fc.property(bytes, fc.integer({ min: 8, max: 64 }), (input, max) => {
          const editor = new LineEditor({ maxLineBytes: max });
          const { events } = editor.feed(input);
          for (const text of lines(events)) {
            expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
            expect(text).not.toMatch(/[\x00-\x1f\x7f]/);
          }
        }),
        params,
      );
    });

    it('gives the same lines and echo however the bytes are split into chunks', () => {
      fc.assert(
        fc.property(bytes, fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (input, cuts) => {
          const whole = new LineEditor({ maxLineBytes: 32 }).feed(input);
          const split = new LineEditor({ maxLineBytes: 32 });
          const events: EditorEvent[] = [];
          let echo = '';
          let at = 0;
          for (const size of [...cuts, input.length]) {
            const result = split.feed(input.subarray(at, at + size));
            events.push(...result.events);
            echo += result.echo;
            at += size;
            if (at >= input.length) break;
          }
          expect(events).toEqual(whole.events);
          expect(echo).toBe(whole.echo);
        }),
        params,
      );
    });

    it('reads printable lines back exactly, whatever garbage came before them', () => {
      const printable = fc.string({ unit: fc.constantFrom(...'abcxyz019 -_./"\'é€'.split('')), maxLength: 40 });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), printable, (garbage, text) => {
          const editor = new LineEditor({ maxLineBytes: 1024 });
          // A Ctrl-C and a line end reset any state the garbage left behind.
          editor.feed(Buffer.concat([Buffer.from(garbage), Buffer.from([0x03])]));
          expect(lines(editor.feed(Buffer.from(`${text}\r\n`)).events)).toEqual([text]);
        }),
        params,
      );
    });
  });
});
