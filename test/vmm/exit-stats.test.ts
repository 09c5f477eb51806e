import { describe, expect, it } from 'vitest';
import { ExitStats } from '../../src/vmm/exit-stats';

describe('exit accounting', () => {
  it('counts per reason and keeps the most recent exits in order, bounded', () => {
    const s = new ExitStats(3);
    ['mmio:uart0', 'wfi', 'mmio:uart0', 'timer', 'mmio:uart0'].forEach((r, i) =>
      s.record(i * 10, 0, r, i),
    );
    expect(s.counters()).toEqual({ 'mmio:uart0': 3, timer: 1, wfi: 1 });
    expect(s.total).toBe(5);
    expect(s.trace().map((e) => [e.time, e.reason])).toEqual([
      [20, 'mmio:uart0'],
      [30, 'timer'],
      [40, 'mmio:uart0'],
    ]);
    const copy = new ExitStats(3);
    copy.restoreState(s.saveState());
    expect(copy.counters()).toEqual(s.counters());
    expect(new ExitStats(0).trace()).toEqual([]);
  });

  it('numbers each exit, and finds a range of them by number while they are in the trace', () => {
    const s = new ExitStats(4);
    for (let i = 1; i <= 10; i++) s.record(i, 0, i % 2 ? 'port:ide0' : 'wfi', i);
    expect(s.trace().map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    // Newest `limit` of first…last, oldest first; what fell out of the ring is not invented.
    expect(s.between(5, 9, 10).map((e) => e.seq)).toEqual([7, 8, 9]);
    expect(s.between(8, 10, 2).map((e) => [e.seq, e.reason, e.detail])).toEqual([
      [9, 'port:ide0', 9],
      [10, 'wfi', 10],
    ]);
    expect(s.between(1, 6, 5)).toEqual([]);
    expect(s.between(11, 20, 5)).toEqual([]);
    expect(new ExitStats(0).between(1, 1, 1)).toEqual([]);
  });
});
