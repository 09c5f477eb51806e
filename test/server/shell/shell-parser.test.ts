import { describe, expect, it } from 'vitest';
import { parseCommandLine, quoteWord } from '../../../src/server/shell/shell-parser.ts';

const argvs = (line: string): string[][] => {
  const r = parseCommandLine(line);
  if (!r.ok) throw new Error(r.error);
  return r.commands.map((c) => [...c.argv]);
};

describe('dom0 shell parser (POSIX shell command language subset)', () => {
  it.each([
    ['xl list', [['xl', 'list']]],
    ['  xl   list  -l ', [['xl', 'list', '-l']]],
    ['echo \'a  b\' "c d"', [['echo', 'a  b', 'c d']]],
    ['echo "x\\"y" \'q\\n\'', [['echo', 'x"y', 'q\\n']]],
    ['echo a\\ b \\$x', [['echo', 'a b', '$x']]],
    ['echo ab"cd"\'ef\'', [['echo', 'abcdef']]],
    ["echo ''", [['echo', '']]],
    ['a; b ;c', [['a'], ['b'], ['c']]],
    ['a\nb', [['a'], ['b']]],
    ['ls # a comment; not a command', [['ls']]],
    ['echo a#b', [['echo', 'a#b']]],
    [';;  ;', []],
    ['', []],
    ['a && b || c', [['a'], ['b'], ['c']]],
  ])('reads %j', (line, want) => {
    expect(argvs(line)).toEqual(want);
  });

  it('reads connectors and redirections', () => {
    const r = parseCommandLine('echo hi > /f; cat /g >> /h 2>&1 && ls 2> /e || true');
    expect(r).toEqual({
      ok: true,
      commands: [
        { argv: ['echo', 'hi'], redirects: [{ fd: 1, append: false, target: '/f' }], next: ';' },
        {
          argv: ['cat', '/g'],
          redirects: [
            { fd: 1, append: true, target: '/h' },
            { fd: 2, toFd: 1 },
          ],
          next: '&&',
        },
        { argv: ['ls'], redirects: [{ fd: 2, append: false, target: '/e' }], next: '||' },
        { argv: ['true'], redirects: [], next: null },
      ],
    });
    // A quoted or attached 2 is an argument, not a file descriptor.
    expect(parseCommandLine("echo '2'>f")).toMatchObject({
      ok: true,
      commands: [{ argv: ['echo', '2'], redirects: [{ fd: 1 }] }],
    });
    expect(parseCommandLine('echo x2>f')).toMatchObject({
      ok: true,
      commands: [{ argv: ['echo', 'x2'], redirects: [{ fd: 1 }] }],
    });
    expect(parseCommandLine('echo>f hi')).toMatchObject({
      ok: true,
      commands: [{ argv: ['echo', 'hi'] }],
    });
  });

  it.each([
    ["echo 'open", 'syntax error: unterminated quoted string'],
    ['echo "open', 'syntax error: unterminated quoted string'],
    ['echo >', "syntax error near unexpected token 'newline'"],
    ['echo > ;', "syntax error near unexpected token ';'"],
    ['&& ls', "syntax error near unexpected token '&&'"],
    ['ls &&', "syntax error near unexpected token 'newline'"],
    ['xl list | less', 'syntax error: pipes (|) are not supported'],
    ['sleep 1 &', 'syntax error: background jobs (&) are not supported'],
    ['cat < f', 'syntax error: input redirection (<) is not supported'],
    ['> f', 'syntax error: redirection without a command'],
  ])('rejects %j: %s', (line, error) => {
    expect(parseCommandLine(line)).toEqual({ ok: false, error });
  });

  it('quotes words so that they read back unchanged', () => {
    for (const w of ['plain', 'two words', "it's", '', 'a"b', '$x;y']) {
      expect(argvs(`echo ${quoteWord(w)}`)).toEqual([['echo', w]]);
    }
  });
});
