import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/server/config/config-error.ts';
import { parseXlSettings, type XlValue } from '../../../src/server/config/parser.ts';

/** The settings as plain values, for compact assertions. */
function plain(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const value = (v: XlValue): unknown =>
    v.kind === 'list' ? v.items.map((i) => i.value) : v.value;
  for (const [k, s] of parseXlSettings(text, 'f')) out[k] = value(s.value);
  return out;
}

function parseError(text: string): ConfigError {
  try {
    parseXlSettings(text, '/etc/xen/vm/web');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a parse error for ${JSON.stringify(text)}`);
}

describe('xl.cfg grammar (libxlu_cfg_y.y)', () => {
  it('reads KEY = VALUE lines, strings and numbers', () => {
    expect(plain('name = "web"\nmemory = 128\nkernel=\'/boot/k\'\n')).toEqual({
      name: 'web',
      memory: '128',
      kernel: '/boot/k',
    });
  });

  it('separates settings with ; as well as newlines, and allows empty statements', () => {
    expect(plain(';;name="a"; memory=64;vcpus=2\n\n;')).toEqual({
      name: 'a',
      memory: '64',
      vcpus: '2',
    });
  });

  it('accepts a last line without a newline', () => {
    expect(plain('a = 1\nb = "x"')).toEqual({ a: '1', b: 'x' });
  });

  it('reads lists that span lines, with a trailing comma and comments inside', () => {
    const text = [
      'disk = [',
      "    'phy:/dev/sda5,hda,w',   # the root disk",
      '',
      "    'file:/img,xvdb,r',",
      ']',
      'vif = [ ]',
      'cpus = [1, 2,',
      '  3]',
    ].join('\n');
    expect(plain(text)).toEqual({
      disk: ['phy:/dev/sda5,hda,w', 'file:/img,xvdb,r'],
      vif: [],
      cpus: ['1', '2', '3'],
    });
  });

  it('keeps the kind and position of each value', () => {
    const s = parseXlSettings('a = 1\nb = [ "x",\n  7 ]\n', 'f');
    expect(s.get('a')?.value).toMatchObject({ kind: 'number', line: 1, column: 5 });
    const b = s.get('b')?.value;
    expect(b?.kind).toBe('list');
    if (b?.kind !== 'list') return;
    expect(b.items.map((i) => [i.kind, i.line, i.column])).toEqual([
      ['string', 2, 7],
      ['number', 3, 3],
    ]);
  });

  it('lets a later assignment replace an earlier one', () => {
    expect(plain('memory = 64\nmemory = 128\n')).toEqual({ memory: '128' });
  });

  it('appends with += to a string or a list', () => {
    expect(
      plain('extra = "a"\nextra += " b"\ndisk = [\'x\']\ndisk += [\'y\']\nnew += "z"'),
    ).toEqual({ extra: 'a b', disk: ['x', 'y'], new: 'z' });
  });

  it('builds one configuration from several sources, later ones winning', () => {
    const settings = parseXlSettings('name = "a"\nmemory = 64\n', 'file');
    parseXlSettings('memory=256', 'arg', settings);
    expect(settings.get('memory')?.value).toMatchObject({ value: '256', source: 'arg' });
    expect(settings.get('name')?.value).toMatchObject({ value: 'a', source: 'file' });
  });

  it.each([
    ['name = "web"\nmemory = 128\nvcpus = \n', 3, 9, "expected a value after '='"],
    ['name = "web"\nmemory =', 2, 9, "expected a value after '='"],
    ['memory 128', 1, 8, "expected '=' after key 'memory'"],
    ['= 5', 1, 1, 'expected a key name'],
    ['128 = memory', 1, 1, 'expected a key name'],
    ['name = "x" "y"', 1, 12, 'expected end of line'],
    ['name = "x" memory = 1', 1, 12, 'expected end of line'],
    ["disk = [ 'a' 'b' ]", 1, 14, "expected ',' or ']'"],
    ["disk = [ 'a',, 'b' ]", 1, 14, "expected a string, a number or ']'"],
    ["disk = [ 'a',\n  'b'\n", 1, 8, "unterminated list: missing ']'"],
    ['disk = [ [1] ]', 1, 10, 'lists cannot be nested'],
    ['disk = [ , ]', 1, 10, "expected a string, a number or ']'"],
    ['extra = "a"\nextra += [ "b" ]', 2, 10, 'can\'t add [list] to "string"'],
    ['name ="x" ; ; = 1', 1, 15, 'expected a key name'],
  ])('reports %j at %i:%i', (text, line, column, detail) => {
    const e = parseError(text);
    expect(e).toBeInstanceOf(ConfigError);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.detail).toContain(detail);
    expect(e.message).toBe(`/etc/xen/vm/web:${line}:${column}: ${e.detail}`);
  });
});
