import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/cpu/bus';
import { TestFinisher, type FinisherEvent } from '../../src/machine/test-finisher';

describe('SiFive test finisher', () => {
  it.each<[number, number, 2 | 4, FinisherEvent | undefined]>([
    [0, 0x5555, 4, { kind: 'pass' }],
    [0, 0x5555, 2, { kind: 'pass' }],
    [0, 0x3333 | (42 << 16), 4, { kind: 'fail', code: 42 }],
    [0, 0x3333 | (0xffff << 16), 4, { kind: 'fail', code: 0xffff }],
    [0, 0x7777, 4, { kind: 'reset' }],
    [0, 0x1234, 4, undefined],
    [4, 0x5555, 4, undefined],
  ])('offset %i value %i (%i bytes)', (offset, value, size, expected) => {
    const events: FinisherEvent[] = [];
    const f = new TestFinisher((e) => events.push(e));
    f.store(offset, size, value);
    expect(events).toEqual(expected ? [expected] : []);
    expect(f.accessCount).toBe(1);
  });

  it('reads as zero and refuses byte accesses', () => {
    const f = new TestFinisher();
    expect(f.load(0, 4)).toBe(0);
    expect(() => f.store(0, 1, 0x55)).toThrow(BusError);
  });
});
