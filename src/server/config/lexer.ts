/**
 * Lexer for xl.cfg(5), after Xen's tools/libs/util/libxlu_cfg_l.l:
 *
 *   IDENT    [a-z][_0-9a-z]*
 *   NUMBER   [0-9][0-9a-fx]*          (kept as text; xl converts with strtol base 0)
 *   STRING   "..." or '...' on one line, with C-like backslash escapes
 *   ,  [  ]  =  +=  ;
 *   NEWLINE  \n, or a # comment running to the end of the line
 *   blanks   [ \t] are skipped
 *
 * Everything else is a lexical error. Where xl says only "lexical error",
 * this lexer says what it found and what would have been accepted.
 */
import { ConfigError } from './config-error.ts';

export type TokenKind =
  'ident' | 'number' | 'string' | '=' | '+=' | ',' | '[' | ']' | ';' | 'newline' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Key name, number text, or the dequoted string value. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const IDENT = /^[a-z][_0-9a-z]*$/;
const NUMBER = /^[0-9][0-9a-fx]*$/;

/** Characters after which xl suspects a Python (xm) config: libxlu_cfg_l.l `[+-.():]`. */
const PYTHONISH = new Set(['+', '-', '.', '(', ')', ':']);

function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_';
}

/** How a stray character is shown in a message: printable as itself, the rest as a code. */
export function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code >= 0x20 && code < 0x7f) return `'${c}'`;
  if (code < 0x100) return `byte 0x${code.toString(16).padStart(2, '0')}`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Splits config text into tokens; throws ConfigError at the first lexical error. */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number): number => at - lineStart + 1;
  const fail = (at: number, detail: string): never => {
    throw new ConfigError(file, line, col(at), detail);
  };

  while (i < text.length) {
    const c = text[i] as string;
    const start = i;

    if (c === ' ' || c === '\t' || (c === '\r' && text[i + 1] !== '\n')) {
      i++;
      continue;
    }
    if (c === '\n' || c === '\r' || c === '#') {
      if (c === '#') {
        while (i < text.length && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          i++;
        }
        if (i >= text.length) {
          // A comment on the last line without a newline ends the file.
          tokens.push({ kind: 'newline', text: '', line, column: col(start) });
          break;
        }
      }
      const nlCol = col(i);
      if (text[i] === '\r') i++; // \r\n as written by editors on other systems
      i++;
      tokens.push({ kind: 'newline', text: '', line, column: nlCol });
      line++;
      lineStart = i;
      continue;
    }
    if (c === '"' || c === "'") {
      const value = readString(text, i, c, (at, d) => fail(at, d));
      tokens.push({ kind: 'string', text: value.text, line, column: col(start) });
      i = value.end;
      continue;
    }
    if (isWordChar(c)) {
      while (i < text.length && (isWordChar(text[i] as string) || text[i] === '.')) {
        // A '.' only continues a number ("1.5"), never a key name.
        if (text[i] === '.' && !(c >= '0' && c <= '9')) break;
        i++;
      }
      const word = text.slice(start, i);
      if (c >= '0' && c <= '9') {
        if (!NUMBER.test(word)) {
          fail(
            start,
            `invalid number '${word}': xl numbers are integers (decimal, 0x hex or 0-prefixed octal)`,
          );
        }
        tokens.push({ kind: 'number', text: word, line, column: col(start) });
      } else {
        if (!IDENT.test(word)) {
          fail(
            start,
            `invalid key name '${word}': xl keys are lower-case letters, digits and '_', starting with a letter`,
          );
        }
        tokens.push({ kind: 'ident', text: word, line, column: col(start) });
      }
      continue;
    }
    if (c === '+' && text[i + 1] === '=') {
      tokens.push({ kind: '+=', text: '+=', line, column: col(start) });
      i += 2;
      continue;
    }
    if (c === '=' || c === ',' || c === '[' || c === ']' || c === ';') {
      tokens.push({ kind: c, text: c, line, column: col(start) });
      i++;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
    if (PYTHONISH.has(ch)) {
      fail(
        start,
        `unexpected character ${describeChar(ch)} (this looks like Python: xm-style Python configs are not supported by xl)`,
      );
    }
    fail(start, `unexpected character ${describeChar(ch)}`);
  }
  tokens.push({ kind: 'eof', text: '', line, column: col(i) });
  return tokens;
}

/** Simple escapes of libxlu_cfg.c xlu__cfgl_dequote. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * Reads a quoted string starting at `open`. Escapes are those of xl's
 * dequote; `\xHH` (two hex digits) and `\ooo` (one to three octal digits)
 * give the byte they name — xl's own numeric escapes are broken (they
 * never store the character), so here they do what C would.
 */
function readString(
  text: string,
  open: number,
  quote: string,
  fail: (at: number, detail: string) => never,
): { text: string; end: number } {
  let out = '';
  let i = open + 1;
  for (;;) {
    if (i >= text.length || text[i] === '\n' || text[i] === '\r') {
      return fail(open, `unterminated string: missing closing ${quote} on this line`);
    }
    const c = text[i] as string;
    if (c === quote) return { text: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined || n === '\n' || n === '\r') {
      return fail(open, `unterminated string: missing closing ${quote} on this line`);
    }
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (n === 'x') {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        return fail(i, `invalid escape in string: '\\x' needs two hex digits`);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (n >= '0' && n <= '7') {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))?.[0] ?? n;
      const value = parseInt(oct, 8);
      if (value > 0xff) return fail(i, `invalid escape in string: '\\${oct}' is above \\377`);
      out += String.fromCharCode(value);
      i += 1 + oct.length;
    } else {
      const shown = describeChar(String.fromCodePoint(text.codePointAt(i + 1) ?? 0));
      return fail(
        i,
        `invalid escape in string: backslash followed by ${shown} (use \\\\ for a backslash)`,
      );
    }
  }
}
