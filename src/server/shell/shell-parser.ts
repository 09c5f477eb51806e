/**
 * The dom0 shell's command language: a small subset of the POSIX shell
 * (IEEE Std 1003.1, "Shell Command Language"): words with '…' and "…"
 * quoting and backslash escapes (§2.2), `#` comments (§2.3), lists joined
 * by `;`, `&&`, `||` or newlines (§2.9.3), and output redirection `>`,
 * `>>`, `2>`, `2>>`, `2>&1` (§2.7). No expansion, pipes or jobs: those are
 * reported as unsupported rather than misread.
 */

export type Connector = ';' | '&&' | '||';

export type Redirect =
  | { readonly fd: 1 | 2; readonly append: boolean; readonly target: string }
  | { readonly fd: 2; readonly toFd: 1 };

export interface SimpleCommand {
  readonly argv: readonly string[];
  readonly redirects: readonly Redirect[];
  /** How the next command depends on this one (null for the last). */
  readonly next: Connector | null;
}

export type ParseResult =
  | { readonly ok: true; readonly commands: readonly SimpleCommand[] }
  | { readonly ok: false; readonly error: string };

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly quoted: boolean }
  | { readonly kind: 'op'; readonly text: string };

class ShellSyntaxError extends Error {}

function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | null = null;
  let quoted = false;
  const flush = (): void => {
    if (word !== null) out.push({ kind: 'word', text: word, quoted });
    word = null;
    quoted = false;
  };
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') {
      flush();
      i++;
    } else if (c === '\n' || c === ';') {
      flush();
      out.push({ kind: 'op', text: ';' });
      i++;
    } else if (c === '#' && word === null) {
      while (i < line.length && line[i] !== '\n') i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
      word = (word ?? '') + line.slice(i + 1, end);
      quoted = true;
      i = end + 1;
    } else if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new ShellSyntaxError('unterminated quoted string');
        const d = line[i] as string;
        if (d === '"') break;
        // Inside double quotes a backslash escapes only $ ` " \ and newline (§2.2.3).
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) {
          if (line[i + 1] !== '\n') text += line[i + 1];
          i += 2;
        } else {
          text += d;
          i++;
        }
      }
      word = (word ?? '') + text;
      quoted = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) {
        if (line[i + 1] !== '\n') {
          word = (word ?? '') + (line[i + 1] as string);
          quoted = true;
        }
        i += 2;
      } else {
        i++;
      }
    } else if (c === '&' || c === '|') {
      flush();
      if (line[i + 1] === c) {
        out.push({ kind: 'op', text: c + c });
        i += 2;
      } else {
        throw new ShellSyntaxError(
          c === '|' ? 'pipes (|) are not supported' : 'background jobs (&) are not supported',
        );
      }
    } else if (c === '>' || c === '<') {
      if (c === '<') throw new ShellSyntaxError('input redirection (<) is not supported');
      // "2>" is a redirection of fd 2 only when the 2 stands alone, unquoted (§2.7).
      let fd = '';
      if (word === '2' && !quoted) {
        fd = '2';
        word = null;
      }
      flush();
      let op = `${fd}>`;
      i++;
      if (line[i] === '>') {
        op += '>';
        i++;
      } else if (line[i] === '&') {
        op += '&';
        i++;
      }
      out.push({ kind: 'op', text: op });
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  flush();
  return out;
}

export function parseCommandLine(line: string): ParseResult {
  let tokens: Token[];
  try {
    tokens = tokenize(line);
  } catch (e) {
    return { ok: false, error: `syntax error: ${(e as Error).message}` };
  }
  const commands: SimpleCommand[] = [];
  let argv: string[] = [];
  let redirects: Redirect[] = [];
  const near = (t: Token | undefined): ParseResult => ({
    ok: false,
    error: `syntax error near unexpected token '${t ? t.text : 'newline'}'`,
  });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'word') {
      argv.push(t.text);
      continue;
    }
    if (t.text === ';' || t.text === '&&' || t.text === '||') {
      if (argv.length === 0) {
        if (redirects.length > 0) return near(t);
        // Empty commands between semicolons are allowed (";;" aside); && and || need a left side.
        if (t.text === ';') continue;
        return near(t);
      }
      commands.push({ argv, redirects, next: t.text });
      argv = [];
      redirects = [];
      continue;
    }
    // A redirection operator: its target is the next word.
    if (t.text === '2>&') {
      const target = tokens[i + 1];
      if (target?.kind !== 'word' || target.text !== '1') {
        return { ok: false, error: 'syntax error: only 2>&1 is supported for duplicating output' };
      }
      redirects.push({ fd: 2, toFd: 1 });
      i++;
      continue;
    }
    if (t.text === '>&')
      return { ok: false, error: 'syntax error: >& is not supported; use > FILE 2>&1' };
    const target = tokens[i + 1];
    if (target?.kind !== 'word') return near(target);
    redirects.push({
      fd: t.text.startsWith('2') ? 2 : 1,
      append: t.text.endsWith('>>'),
      target: target.text,
    });
    i++;
  }
  if (argv.length > 0) commands.push({ argv, redirects, next: null });
  else if (redirects.length > 0)
    return { ok: false, error: 'syntax error: redirection without a command' };
  else if (commands.length > 0) {
    const last = commands[commands.length - 1] as SimpleCommand;
    if (last.next === '&&' || last.next === '||') return near(undefined);
    commands[commands.length - 1] = { ...last, next: null };
  }
  return { ok: true, commands };
}

/** Quote a word for display so that the shell would read it back the same. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
