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
});
