/**
 * Line editing for a serial terminal, as a pure state machine: bytes typed by
 * the technician go in, finished lines (and what to echo back) come out. No
 * I/O and no timers, so every rule is tested from tables and fuzzed.
 *
 *   terminal ──bytes──► LineEditor.feed() ──► { echo (to the terminal), events (to the shell) }
 *
 * - Printable ASCII and valid UTF-8 are inserted; one character (code point) is
 *   erased by backspace (0x08) or DEL (0x7f), echoing "\b \b".
 * - CR, LF and CRLF each end one line: an LF right after a CR is part of the
 *   same line end, also when the two arrive in different chunks.
 * - Ctrl-C cancels the line (echo "^C" and a new line); Ctrl-U erases it.
 * - Escape sequences (arrow keys ESC [ A, F-keys ESC O P, ESC + one char) are
 *   swallowed, never inserted. Tab is ignored (reserved for completion).
 * - Any other control byte or invalid UTF-8 refuses the line ("binary"); more
 *   bytes than `maxLineBytes` refuse it ("overlong"). A refused line is
 *   reported once, and everything up to its line end is discarded.
 * - Echo mode 'mask' shows '*' per character and 'off' nothing: for secrets.
 *
 * Memory is bounded by maxLineBytes plus a few bytes of escape/UTF-8 state.
 */
export type EchoMode = 'on' | 'mask' | 'off';

export type EditorEvent =
  | { type: 'line'; text: string }
  | { type: 'cancel' }
  /** The first bad byte of a line: the shell shows the message; the rest of the line is discarded. */
  | { type: 'rejected'; reason: 'binary' | 'overlong'; message: string }
  /** The line end of a refused line: the shell shows its prompt again. */
  | { type: 'discarded' };

export interface FeedResult {
  /** Bytes to send back to the terminal, as text. */
  echo: string;
  events: EditorEvent[];
}

export interface LineEditorOptions {
  maxLineBytes?: number;
  echo?: EchoMode;
}

const ESC = 0x1b;
/** Longer CSI parameter runs are not a key press; give up on them. */
const MAX_ESCAPE_BYTES = 32;
const ERASE = '\b \b';
const NEWLINE = '\r\n';

type EscapeState = 'none' | 'esc' | 'csi' | 'ss3';

export class LineEditor {
  readonly maxLineBytes: number;
  private echoMode: EchoMode;
  private chars: string[] = [];
  private bytes = 0;
  private utf8: number[] = [];
  private utf8Need = 0;
  private escape: EscapeState = 'none';
  private escapeBytes = 0;
  private discarding = false;
  private afterCR = false;
  // Per-feed output, reset at each feed().
  private out: string[] = [];
  private events: EditorEvent[] = [];
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(options: LineEditorOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 1024;
    this.echoMode = options.echo ?? 'on';
  }

  get echo(): EchoMode {
    return this.echoMode;
  }

  /** Applies from the next character on; the shell switches it around a secret prompt. */
  setEcho(mode: EchoMode): void {
    this.echoMode = mode;
  }

  /** The line typed so far as the terminal shows it (masked or hidden per echo mode): for redrawing after a message. */
  display(): string {
    if (this.discarding) return '';
    if (this.echoMode === 'off') return '';
    return this.echoMode === 'mask' ? '*'.repeat(this.chars.length) : this.chars.join('');
  }

  /** Forgets the line being typed (e.g. at logout), keeping the echo mode. */
  clear(): void {
    this.chars = [];
    this.bytes = 0;
    this.utf8 = [];
    this.utf8Need = 0;
    this.escape = 'none';
    this.discarding = false;
  }

  feed(chunk: Uint8Array): FeedResult {
    this.out = [];
    this.events = [];
    for (const byte of chunk) this.byte(byte);
    return { echo: this.out.join(''), events: this.events };
  }

  private byte(b: number): void {
    if (this.afterCR) {
      this.afterCR = false;
      if (b === 0x0a) return;
    }
    if (this.escape !== 'none' && this.escapeByte(b)) return;
    if (this.utf8Need > 0) {
      if ((b & 0xc0) === 0x80) {
        this.utf8.push(b);
        if (this.utf8.length === this.utf8Need + 1) this.finishUtf8();
        return;
      }
      // A lead byte without its continuation: refuse, then treat this byte on its own (it may be the line end).
      this.utf8 = [];
      this.utf8Need = 0;
      this.reject('binary');
    }
    if (b === 0x0d) {
      this.afterCR = true;
      this.endLine();
    } else if (b === 0x0a) {
      this.endLine();
    } else if (b === 0x03) {
      this.clear();
      this.out.push(`^C${NEWLINE}`);
      this.events.push({ type: 'cancel' });
    } else if (this.discarding) {
      // Everything up to the line end of a refused line is dropped.
    } else if (b === 0x08 || b === 0x7f) {
      this.eraseChars(1);
    } else if (b === 0x15) {
      this.eraseChars(this.chars.length);
    } else if (b === ESC) {
      this.escape = 'esc';
      this.escapeBytes = 0;
    } else if (b === 0x09) {
      // Tab: reserved for completion; inserting it would make an invisible difference in a word.
    } else if (b < 0x20) {
      this.reject('binary');
    } else if (b < 0x80) {
      this.insert(String.fromCharCode(b), 1);
    } else if (b >= 0xc2 && b <= 0xdf) {
      this.startUtf8(b, 1);
    } else if (b >= 0xe0 && b <= 0xef) {
      this.startUtf8(b, 2);
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.startUtf8(b, 3);
    } else {
      this.reject('binary');
    }
  }

  /** True when the byte belonged to an escape sequence; false when it must be handled as ordinary input. */
  private escapeByte(b: number): boolean {
    const state = this.escape;
    this.escapeBytes += 1;
    if (state === 'esc') {
      if (b === 0x5b) this.escape = 'csi';
      else if (b === 0x4f) this.escape = 'ss3';
      else if (b >= 0x20 && b <= 0x7e) this.escape = 'none'; // ESC + one char (e.g. Alt-x)
      else {
        this.escape = 'none';
        return false;
      }
      return true;
    }
    if (state === 'ss3') {
      this.escape = 'none';
      return b >= 0x40 && b <= 0x7e;
    }
    // CSI: parameter and intermediate bytes 0x20-0x3f, then one final byte 0x40-0x7e.
    if (b >= 0x40 && b <= 0x7e) {
      this.escape = 'none';
      return true;
    }
    if (b >= 0x20 && b <= 0x3f) {
      if (this.escapeBytes > MAX_ESCAPE_BYTES) this.escape = 'none';
      return true;
    }
    this.escape = 'none';
    return false;
  }

  private startUtf8(lead: number, continuations: number): void {
    if (this.discarding) return;
    this.utf8 = [lead];
    this.utf8Need = continuations;
  }

  private finishUtf8(): void {
    const bytes = Uint8Array.from(this.utf8);
    this.utf8 = [];
    this.utf8Need = 0;
    let text: string;
    try {
      // The decoder refuses what the lead-byte check cannot see: overlong forms and surrogates.
      text = this.decoder.decode(bytes);
    } catch {
      this.reject('binary');
      return;
    }
    this.insert(text, bytes.length);
  }

  private insert(char: string, byteLength: number): void {
    if (this.discarding) return;
    if (this.bytes + byteLength > this.maxLineBytes) {
      this.reject('overlong');
      return;
    }
    this.chars.push(char);
    this.bytes += byteLength;
    if (this.echoMode === 'on') this.out.push(char);
    else if (this.echoMode === 'mask') this.out.push('*');
  }

  private eraseChars(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const char = this.chars.pop();
      if (char === undefined) return;
      this.bytes -= Buffer.byteLength(char);
      if (this.echoMode !== 'off') this.out.push(ERASE);
    }
  }

  private reject(reason: 'binary' | 'overlong'): void {
    if (this.discarding) return;
    this.clear();
    this.discarding = true;
    this.out.push(NEWLINE);
    const message = reason === 'binary' ? 'binary input ignored' : `line too long (max ${this.maxLineBytes} bytes); ignored`;
    this.events.push({ type: 'rejected', reason, message });
  }

  private endLine(): void {
    this.escape = 'none';
    if (this.discarding) {
      this.discarding = false;
      this.events.push({ type: 'discarded' });
      return;
    }
    const text = this.chars.join('');
    this.chars = [];
    this.bytes = 0;
    this.out.push(NEWLINE);
    this.events.push({ type: 'line', text });
  }
}
