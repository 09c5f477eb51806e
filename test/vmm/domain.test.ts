import { describe, expect, it } from 'vitest';
import {
  DomainLifecycle,
  DomainStateError,
  deriveUuid,
  parseUuidBytes,
  validateDomainName,
  xlStateLetters,
  type LifecycleState,
} from '../../src/vmm/domain';

type Op = 'pause' | 'unpause' | 'poweroff' | 'crash' | 'reset' | 'destroy' | 'finish';

function apply(l: DomainLifecycle, op: Op): void {
  switch (op) {
    case 'pause':
      return l.pause();
    case 'unpause':
      return l.unpause();
    case 'poweroff':
      return l.shutdown('poweroff');
    case 'crash':
      return l.shutdown('crash');
    case 'reset':
      return l.reset();
    case 'destroy':
      return l.destroy();
    case 'finish':
      return l.finishDestroy();
  }
}

/** Reach `state` from a fresh domain. */
const paths: Record<LifecycleState, Op[]> = {
  running: [],
  paused: ['pause'],
  shutdown: ['poweroff'],
  crashed: ['crash'],
  dying: ['destroy'],
  destroyed: ['destroy', 'finish'],
};

// The whole transition table: [from, op, to | null (refused)].
const table: [LifecycleState, Op, LifecycleState | null][] = [
  ['running', 'pause', 'paused'],
  ['running', 'unpause', null],
  ['running', 'poweroff', 'shutdown'],
  ['running', 'crash', 'crashed'],
  ['running', 'reset', 'running'],
  ['running', 'destroy', 'dying'],
  ['running', 'finish', null],
  ['paused', 'pause', null],
  ['paused', 'unpause', 'running'],
  ['paused', 'poweroff', 'shutdown'],
  ['paused', 'crash', 'crashed'],
  ['paused', 'reset', 'running'],
  ['paused', 'destroy', 'dying'],
  ['shutdown', 'pause', null],
  ['shutdown', 'unpause', null],
  ['shutdown', 'poweroff', null],
  ['shutdown', 'reset', 'running'],
  ['shutdown', 'destroy', 'dying'],
  ['crashed', 'pause', null],
  ['crashed', 'crash', null],
  ['crashed', 'reset', 'running'],
  ['crashed', 'destroy', 'dying'],
  ['dying', 'pause', null],
  ['dying', 'reset', null],
  ['dying', 'destroy', null],
  ['dying', 'finish', 'destroyed'],
  ['destroyed', 'destroy', null],
  ['destroyed', 'reset', null],
  ['destroyed', 'unpause', null],
];

describe('domain lifecycle', () => {
  it.each(table)('%s --%s--> %s', (from, op, to) => {
    const l = new DomainLifecycle('domain "web"');
    for (const step of paths[from]) apply(l, step);
    expect(l.state).toBe(from);
    if (to === null) {
      expect(() => apply(l, op)).toThrow(DomainStateError);
      expect(l.state).toBe(from);
    } else {
      apply(l, op);
      expect(l.state).toBe(to);
    }
  });

  it('records the shutdown reason and names the domain in refusals', () => {
    const l = new DomainLifecycle('domain "web" (3)');
    const seen: string[] = [];
    l.onChange((s, r) => seen.push(`${s}:${r}`));
    l.shutdown('reboot');
    expect(l.shutdownReason).toBe('reboot');
    expect(() => l.pause()).toThrow('cannot pause domain "web" (3): it is shut down (reboot)');
    l.reset();
    expect(l.shutdownReason).toBeNull();
    expect(seen).toEqual(['shutdown:reboot', 'running:null']);
  });

  it('can start paused (xl create -p)', () => {
    expect(new DomainLifecycle('d', true).state).toBe('paused');
  });
});

describe('xl list state letters', () => {
  it.each([
    ['running', true, 'r-----'],
    ['running', false, '-b----'],
    ['paused', false, '--p---'],
    ['shutdown', false, '---s--'],
    ['crashed', false, '----c-'],
    ['dying', false, '-----d'],
  ] as const)('%s (active %s) → %s', (state, active, letters) => {
    expect(xlStateLetters(state, active)).toBe(letters);
  });
});

describe('names and UUIDs', () => {
  it.each(['', 'a/b', ' lead', 'x'.repeat(65), 'tab\t'])('rejects the name %j', (n) => {
    expect(() => validateDomainName(n)).toThrow(RangeError);
  });

  it('accepts ordinary names', () => {
    expect(() => validateDomainName('Domain-0')).not.toThrow();
    expect(() => validateDomainName('web server 1')).not.toThrow();
  });

  it('derives distinct, well-formed, reproducible v4 UUIDs', () => {
    const u1 = deriveUuid('host:web:1');
    expect(u1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveUuid('host:web:1')).toBe(u1);
    expect(deriveUuid('host:web:2')).not.toBe(u1);
    expect(parseUuidBytes(u1)).toHaveLength(16);
    expect(() => parseUuidBytes('not-a-uuid')).toThrow(RangeError);
  });
});
