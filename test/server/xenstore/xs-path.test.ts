import { describe, expect, it } from 'vitest';
import { XsError } from '../../../src/server/xenstore/xs-error.ts';
import {
  canonicalize,
  isChild,
  isValidPath,
  parentOf,
  relativeTo,
} from '../../../src/server/xenstore/xs-path.ts';

describe('xenstore paths (docs/misc/xenstore.txt)', () => {
  it.each(['/', '/local', '/local/domain/3/device/vbd/51712', '/a-b_c@d/E9'])('accepts %s', (p) => {
    expect(isValidPath(p)).toBe(true);
  });

  it.each([
    '',
    'local',
    '/local/',
    '//local',
    '/a//b',
    '/a b',
    '/a.b',
    '/a:b',
    '/caf\u00e9',
    `/${'a'.repeat(3072)}`,
  ])('refuses %j', (p) => {
    expect(isValidPath(p)).toBe(false);
  });

  it('makes relative paths relative to the connection domain', () => {
    expect(canonicalize('device/vbd', 7)).toEqual({
      path: '/local/domain/7/device/vbd',
      relative: true,
    });
    expect(canonicalize('/vm', 7)).toEqual({ path: '/vm', relative: false });
  });

  it('refuses bad and over-long paths with EINVAL', () => {
    for (const p of ['', 'a//b', 'x/', 'a'.repeat(2049), `/${'a'.repeat(3072)}`]) {
      expect(() => canonicalize(p, 1)).toThrow(XsError);
      try {
        canonicalize(p, 1);
      } catch (e) {
        expect((e as XsError).code).toBe('EINVAL');
      }
    }
    expect(canonicalize('a'.repeat(2048), 1).path.length).toBe('/local/domain/1/'.length + 2048);
  });

  it.each([
    ['/a/b', '/a', true],
    ['/a', '/a', true],
    ['/ab', '/a', false],
    ['/a', '/a/b', false],
    ['/x', '/', true],
    ['@releaseDomain', '/', false],
  ])('isChild(%s, %s) is %s', (child, parent, expected) => {
    expect(isChild(child, parent)).toBe(expected);
  });

  it('finds parents and relative forms', () => {
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(parentOf('/a')).toBe('/');
    expect(relativeTo('/local/domain/4/device/vif/0', 4)).toBe('device/vif/0');
    expect(relativeTo('/local/domain/5/x', 4)).toBe('/local/domain/5/x');
  });
});
