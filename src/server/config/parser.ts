/**
 * Parser for xl.cfg(5), after Xen's tools/libs/util/libxlu_cfg_y.y:
 *
 *   file       : stmts | stmts assignment          (last line may lack a newline)
 *   stmt       : assignment endstmt | endstmt
 *   assignment : IDENT '=' value | IDENT '+=' value
 *   endstmt    : NEWLINE | ';'
 *   value      : atom | '[' nlok valuelist ']'
 *   atom       : STRING | NUMBER
 *   valuelist  : (empty) | values | values ',' nlok
 *   values     : atom nlok | values ',' nlok atom nlok
 *   nlok       : NEWLINE*                           (lists may span lines)
 *
 * Lists hold atoms only. A later assignment of a key replaces an earlier
 * one; `+=` appends to the earlier string or list (xlu__cfg_set_store).
 */
import { ConfigError, type SourcePosition } from './config-error.ts';
import { tokenize, type Token } from './lexer.ts';

/** A position inside a named source (the file, or an `xl create` argument). */
export interface Located extends SourcePosition {
  readonly source: string;
}

/** A string or number as written; xl keeps both as text and converts on use. */
export interface XlAtom extends Located {
  readonly kind: 'string' | 'number';
  readonly value: string;
}

export interface XlList extends Located {
  readonly kind: 'list';
  readonly items: readonly XlAtom[];
}

export type XlValue = XlAtom | XlList;

/** One key as finally set, with where its (last) assignment was written. */
export interface XlSetting {
  readonly key: string;
  readonly value: XlValue;
  /** Operator of the last assignment; xl refuses `+=` on numeric keys. */
  readonly op: '=' | '+=';
  /** Position of the key name of the last assignment. */
  readonly keyPos: Located;
}

/** Settings in order of their last assignment; a key appears once. */
export type XlSettings = ReadonlyMap<string, XlSetting>;

function describe(tok: Token): string {
  switch (tok.kind) {
    case 'newline':
      return 'end of line';
    case 'eof':
      return 'end of file';
    case 'ident':
      return `key name '${tok.text}'`;
    case 'number':
      return `number ${tok.text}`;
    case 'string':
      return 'a string';
    default:
      return `'${tok.kind}'`;
  }
}

/**
 * Parses xl.cfg text into raw settings. `into` lets several sources
 * (the file, then `key=value` arguments of `xl create`) build one
 * configuration, later sources overriding earlier ones as xl does.
 */
export function parseXlSettings(
  text: string,
  file: string,
  into?: Map<string, XlSetting>,
): Map<string, XlSetting> {
  const tokens = tokenize(text, file);
  const settings = into ?? new Map<string, XlSetting>();
  let p = 0;
  const peek = (): Token => tokens[p] ?? (tokens[tokens.length - 1] as Token);
  const next = (): Token => {
    const t = peek();
    if (p < tokens.length - 1) p++;
    return t;
  };
  const fail = (tok: Token, detail: string): never => {
    throw ConfigError.at(file, tok, detail);
  };
  const skipNewlines = (): void => {
    while (peek().kind === 'newline') next();
  };

  const atomOf = (tok: Token): XlAtom => ({
    kind: tok.kind === 'number' ? 'number' : 'string',
    value: tok.text,
    source: file,
    line: tok.line,
    column: tok.column,
  });

  const parseList = (open: Token): XlList => {
    const items: XlAtom[] = [];
    skipNewlines();
    for (;;) {
      const t = next();
      if (t.kind === ']') break;
      if (t.kind === 'string' || t.kind === 'number') {
        items.push(atomOf(t));
      } else if (t.kind === '[') {
        fail(t, 'lists cannot be nested: expected a string or number in the list');
      } else if (t.kind === 'eof') {
        fail(open, "unterminated list: missing ']'");
      } else {
        fail(t, `expected a string, a number or ']' in the list, found ${describe(t)}`);
      }
      skipNewlines();
      const sep = next();
      if (sep.kind === ']') break;
      if (sep.kind === ',') {
        skipNewlines();
        continue;
      }
      if (sep.kind === 'eof') fail(open, "unterminated list: missing ']'");
      fail(sep, `expected ',' or ']' after a list item, found ${describe(sep)}`);
    }
    return { kind: 'list', items, source: file, line: open.line, column: open.column };
  };

  const parseValue = (op: Token): XlValue => {
    const t = next();
    if (t.kind === 'string' || t.kind === 'number') return atomOf(t);
    if (t.kind === '[') return parseList(t);
    if (t.kind === 'ident') {
      fail(
        t,
        `expected a value after '${op.kind}', found ${t.text} (strings must be quoted: "${t.text}")`,
      );
    }
    return fail(
      t,
      `expected a value after '${op.kind}' (a "string", a number or a [ list ]), found ${describe(t)}`,
    );
  };

  for (;;) {
    const t = next();
    if (t.kind === 'eof') break;
    if (t.kind === 'newline' || t.kind === ';') continue;
    if (t.kind !== 'ident') {
      fail(t, `expected a key name at the start of a setting, found ${describe(t)}`);
    }
    const op = next();
    if (op.kind !== '=' && op.kind !== '+=') {
      fail(op, `expected '=' after key '${t.text}', found ${describe(op)}`);
    }
    const value = parseValue(op);
    const end = peek();
    if (end.kind !== 'newline' && end.kind !== ';' && end.kind !== 'eof') {
      fail(
        end,
        `expected end of line or ';' after the value of '${t.text}', found ${describe(end)}`,
      );
    }
    store(settings, file, t, op.kind === '+=', value);
  }
  return settings;
}

function store(
  settings: Map<string, XlSetting>,
  file: string,
  key: Token,
  append: boolean,
  value: XlValue,
): void {
  const prev = settings.get(key.text);
  let merged = value;
  if (append && prev) {
    const a = prev.value;
    if (a.kind === 'list' && value.kind === 'list') {
      merged = { ...value, items: [...a.items, ...value.items] };
    } else if (a.kind !== 'list' && value.kind !== 'list') {
      merged = { ...value, kind: 'string', value: a.value + value.value };
    } else {
      throw ConfigError.at(
        file,
        value,
        `can't add [list] to "string" or vice versa ('${key.text}' was a ${a.kind === 'list' ? 'list' : 'single value'})`,
      );
    }
  }
  // A re-set key moves to the place of its latest assignment.
  settings.delete(key.text);
  settings.set(key.text, {
    key: key.text,
    value: merged,
    op: append ? '+=' : '=',
    keyPos: { source: file, line: key.line, column: key.column },
  });
}
