/**
 * Splits one console line into words, as a POSIX shell would for the simple
 * cases a technician types: blanks separate words; '...' keeps everything
 * literally; "..." keeps blanks, and a backslash in it escapes only " and \;
 * outside quotes a backslash escapes the next character. No variables, globs
 * or operators. Adjacent quoted and unquoted parts join into one word
 * (a"b c"d -> `ab cd`), and "" is an empty word.
 */
export type TokenizeResult = { ok: true; words: string[] } | { ok: false; error: string };

export function tokenize(line: string): TokenizeResult {
  const words: string[] = [];
  let word = '';
  // A word exists once any part of it, even an empty quoted one, has been seen.
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        i += 1;
        word += line[i];
      } else word += ch;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) return { ok: false, error: 'line ends with a lone backslash' };
      i += 1;
      word += line[i];
      inWord = true;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) words.push(word);
  return { ok: true, words };
}

/** Quotes a word so that tokenize() gives it back unchanged: for help texts and tests. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
