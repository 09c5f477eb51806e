import { describe, expect, it } from 'vitest';
import { XsError } from '../../../src/server/xenstore/xs-error.ts';
import {
  formatPermission,
  parsePermission,
  rightsFor,
  type XsPermission,
} from '../../../src/server/xenstore/xs-permissions.ts';

const perms = (...s: string[]): XsPermission[] => s.map(parsePermission);

describe('xenstore permissions', () => {
  it.each([
    ['n0', 0, 'n'],
    ['r5', 5, 'r'],
    ['w12', 12, 'w'],
    ['b65535', 65535, 'b'],
  ])('parses %s', (text, domid, access) => {
    expect(parsePermission(text)).toEqual({ domid, access });
    expect(formatPermission(parsePermission(text))).toBe(text);
  });

  it.each(['', 'x1', 'r', 'r-1', 'r65536', 'r01', 'R1', 'r1 ', 'rw1'])('refuses %j', (text) => {
    expect(() => parsePermission(text)).toThrow(XsError);
  });

  // perm_for_conn(): the table of who gets what.
  it.each([
    // perms,           domid, privileged, read, write, owner
    [['n0', 'r3'], 3, false, true, false, false],
    [['n0', 'r3'], 4, false, false, false, false],
    [['n3'], 3, false, true, true, true], // the owner may do anything
    [['r0'], 4, false, true, false, false], // default for others: read
    [['b0', 'n4'], 4, false, false, false, false], // an entry overrides the default
    [['n0', 'w4'], 4, false, false, true, false],
    [['n0', 'b4'], 4, false, true, true, false],
    [['n7'], 0, true, true, true, true], // dom0 is privileged
    [['n0', 'r4', 'w4'], 4, false, true, false, false], // the first matching entry wins
  ] as const)('%j for dom%i (privileged %s)', (list, domid, priv, read, write, owner) => {
    expect(rightsFor(perms(...list), domid, priv)).toEqual({ read, write, owner });
  });

  it('gives a domain the rights of its target (SET_TARGET)', () => {
    expect(rightsFor(perms('n5'), 9, false, 5)).toEqual({ read: true, write: true, owner: true });
    expect(rightsFor(perms('n0', 'r5'), 9, false, 5)).toMatchObject({ read: true, write: false });
  });
});
