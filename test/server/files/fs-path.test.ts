import { describe, expect, it } from 'vitest';
import {
  ancestors,
  basename,
  dirname,
  isWithin,
  resolvePath,
} from '../../../src/server/files/fs-path.ts';

describe('POSIX path resolution (§4.13)', () => {
  it.each([
    ['/etc/xen', '/', '/etc/xen'],
    ['xen/vm', '/etc', '/etc/xen/vm'],
    ['../b', '/a/c', '/a/b'],
    ['./x/./y', '/', '/x/y'],
    ['//etc///xen//', '/', '/etc/xen'],
    ['../../..', '/a', '/'],
    ['/', '/anything', '/'],
    ['..', '/', '/'],
  ])('resolves %j in %j to %j', (path, cwd, want) => {
    expect(resolvePath(path, cwd)).toBe(want);
  });

  it('splits and relates paths', () => {
    expect(dirname('/etc/xen/vm')).toBe('/etc/xen');
    expect(dirname('/etc')).toBe('/');
    expect(basename('/etc/xen/vm')).toBe('vm');
    expect(ancestors('/a/b/c')).toEqual(['/a', '/a/b']);
    expect(isWithin('/etc/xen', '/etc')).toBe(true);
    expect(isWithin('/etcx', '/etc')).toBe(false);
    expect(isWithin('/etc', '/etc')).toBe(true);
  });
});
