import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/server/config/config-error.ts';
import { tokenize } from '../../../src/server/config/lexer.ts';

const kinds = (text: string): string[] => tokenize(text, 'f').map((t) => t.kind);

function lexError(text: string): ConfigError {
  try {
    tokenize(text, 'f');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a lexical error for ${JSON.stringify(text)}`);
}

describe('xl.cfg lexer (libxlu_cfg_l.l)', () => {
  it('splits a line into key, operator, value and newline with positions', () => {
    const toks = tokenize('memory = 128\n', 'f');
    expect(toks.map((t) => [t.kind, t.text, t.line, t.column])).toEqual([
      ['ident', 'memory', 1, 1],
      ['=', '=', 1, 8],
      ['number', '128', 1, 10],
      ['newline', '', 1, 13],
      ['eof', '', 2, 1],
    ]);
  });

  it('knows every punctuation token, including +=', () => {
    expect(kinds('a+=[1,2];b=3')).toEqual([
      'ident',
      '+=',
      '[',
      'number',
      ',',
      'number',
      ']',
      ';',
      'ident',
      '=',
      'number',
      'eof',
    ]);
  });

  it('treats a comment as the end of its line, also on the last line', () => {
    expect(kinds('a = 1 # one\n# only a comment\nb = 2 # no newline')).toEqual([
      'ident',
      '=',
      'number',
      'newline',
      'newline',
      'ident',
      '=',
      'number',
      'newline',
      'eof',
    ]);
  });

  it('accepts \\r\\n line endings and counts lines across them', () => {
    const toks = tokenize('a = 1\r\nb = 2\r\n', 'f');
    const b = toks.find((t) => t.text === 'b');
    expect(b).toMatchObject({ line: 2, column: 1 });
  });

  it('runs a comment to the end of the line, past a lone \\r', () => {
    const toks = tokenize('a = 1 # x\ry\nb = 2', 'f');
    expect(toks.find((t) => t.text === 'b')).toMatchObject({ line: 2, column: 1 });
    expect(toks.filter((t) => t.kind === 'newline')).toHaveLength(1);
  });

  it('reads NUMBER as xl does: [0-9][0-9a-fx]*, kept as text', () => {
    expect(
      tokenize('0x1f 010 42', 'f')
        .slice(0, 3)
        .map((t) => t.text),
    ).toEqual(['0x1f', '010', '42']);
  });

  it.each([
    ['"plain"', 'plain'],
    ["'single'", 'single'],
    ['"it\'s"', "it's"],
    ['\'say "hi"\'', 'say "hi"'],
    ['"a\\tb\\nc"', 'a\tb\nc'],
    ['"q\\"q\\\\"', 'q"q\\'],
    ['"\\a\\b\\f\\r\\v"', '\x07\b\f\r\v'],
    ['"\\x41\\x7a"', 'Az'],
    ['"\\101\\0\\7"', 'A\0\x07'],
    ['""', ''],
  ])('dequotes %s', (src, value) => {
    const [tok] = tokenize(src, 'f');
    expect(tok).toMatchObject({ kind: 'string', text: value });
  });

  it.each([
    ['name = "web', 1, 8, 'unterminated string'],
    ["name = 'web\n'", 1, 8, 'unterminated string'],
    ['x = "\\q"', 1, 6, 'invalid escape'],
    ['x = "\\x4"', 1, 6, "'\\x' needs two hex digits"],
    ['Name = "web"', 1, 1, "invalid key name 'Name'"],
    ['_x = 1', 1, 1, "invalid key name '_x'"],
    ['memory = 128M', 1, 10, "invalid number '128M'"],
    ['memory = 1.5', 1, 10, "invalid number '1.5'"],
    ['a = 1\nb = @', 2, 5, "unexpected character '@'"],
    ['x = os.uname()', 1, 7, 'looks like Python'],
    ['x = 1 \u0000', 1, 7, 'byte 0x00'],
    ['x = \u00e9', 1, 5, 'byte 0xe9'],
    ['x = \u2603', 1, 5, 'U+2603'],
  ])('rejects %j at %i:%i', (src, line, column, detail) => {
    const e = lexError(src);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.detail).toContain(detail);
    expect(e.message.startsWith(`f:${line}:${column}: `)).toBe(true);
  });
});
