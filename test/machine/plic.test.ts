import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/cpu/bus';
import { PLIC_NDEV } from '../../src/machine/address-map';
import { Plic, PlicContext, PlicReg } from '../../src/machine/plic';

const M = PlicContext.M;
const S = PlicContext.S;
const priority = (id: number) => PlicReg.PRIORITY + 4 * id;
const enable = (ctx: number, word = 0) => PlicReg.ENABLE + PlicReg.ENABLE_STRIDE * ctx + 4 * word;
const threshold = (ctx: number) =>
  PlicReg.CONTEXT + PlicReg.CONTEXT_STRIDE * ctx + PlicReg.THRESHOLD;
const claim = (ctx: number) =>
  PlicReg.CONTEXT + PlicReg.CONTEXT_STRIDE * ctx + PlicReg.CLAIM_COMPLETE;

function plic() {
  const meip: boolean[] = [];
  const seip: boolean[] = [];
  const p = new Plic({ contextLines: [(l) => meip.push(l), (l) => seip.push(l)] });
  const rd = (off: number) => p.load(off, 4);
  const wr = (off: number, v: number) => p.store(off, 4, v);
  return { p, rd, wr, meip, seip };
}

describe('SiFive PLIC', () => {
  it.each([
    ['source 1 keeps 3 priority bits', priority(1), 0xffffffff, 7],
    ['source ndev exists', priority(PLIC_NDEV), 5, 5],
    ['source 0 is reserved', priority(0), 7, 0],
    ['no source beyond ndev', priority(PLIC_NDEV + 1), 7, 0],
    ['threshold keeps 3 bits', threshold(M), 0xff, 7],
    ['enable bit 0 (source 0) is hardwired to 0', enable(M), 0xffffffff, 0xfffffffe],
    ['enable words beyond ndev are zero', enable(M, 4), 0xffffffff, 0],
    ['pending bits are read-only', PlicReg.PENDING, 0xffffffff, 0],
  ])('%s', (_name, off, written, read) => {
    const { rd, wr } = plic();
    wr(off, written);
    expect(rd(off)).toBe(read >>> 0);
  });

  it('signals M-mode context 0 on MEIP and S-mode context 1 on SEIP', () => {
    const { p, wr, meip, seip } = plic();
    wr(priority(10), 1);
    wr(enable(S), 1 << 10);
    p.line(10)(true);
    expect(meip.at(-1)).toBe(false);
    expect(seip.at(-1)).toBe(true);
    wr(enable(M), 1 << 10);
    expect(meip.at(-1)).toBe(true);
  });

  it('latches a raised level as pending even if the line drops before the claim', () => {
    const { p, rd, wr } = plic();
    p.line(33)(true);
    expect(rd(PlicReg.PENDING + 4)).toBe(1 << 1);
    p.line(33)(false);
    expect(rd(PlicReg.PENDING + 4)).toBe(1 << 1);
    wr(priority(33), 1);
    wr(enable(M, 1), 1 << 1);
    expect(rd(claim(M))).toBe(33);
    expect(rd(PlicReg.PENDING + 4)).toBe(0);
  });

  it('claims the highest priority first, the lowest id on ties, and clears pending', () => {
    const { p, rd, wr } = plic();
    for (const [id, prio] of [
      [3, 2],
      [5, 6],
      [7, 6],
      [9, 1],
    ] as const) {
      wr(priority(id), prio);
      p.line(id)(true);
    }
    wr(enable(M), 0xffff);
    const order: number[] = [];
    for (let i = 0; i < 5; i++) order.push(rd(claim(M)));
    expect(order).toEqual([5, 7, 3, 9, 0]);
    expect(rd(PlicReg.PENDING)).toBe(0);
  });

  it('masks sources at or below the threshold, for signalling and for claims', () => {
    const { p, rd, wr, meip } = plic();
    wr(priority(4), 3);
    wr(enable(M), 1 << 4);
    wr(threshold(M), 3);
    p.line(4)(true);
    expect(meip.at(-1)).toBe(false);
    expect(rd(claim(M))).toBe(0);
    wr(threshold(M), 2);
    expect(meip.at(-1)).toBe(true);
    expect(rd(claim(M))).toBe(4);
  });

  it('never signals a priority-0 source', () => {
    const { p, rd, wr, meip } = plic();
    wr(enable(M), 1 << 6);
    p.line(6)(true);
    expect(meip.at(-1)).toBe(false);
    expect(rd(claim(M))).toBe(0);
  });

  it('forwards nothing for a claimed level source until completion, then re-pends a high line', () => {
    const { p, rd, wr, meip } = plic();
    wr(priority(10), 1);
    wr(enable(M), 1 << 10);
    const line = p.line(10);
    line(true);
    expect(rd(claim(M))).toBe(10);
    expect(meip.at(-1)).toBe(false);
    line(false);
    line(true); // still in service: the gateway holds it back
    expect(p.isPending(10)).toBe(false);
    wr(claim(M), 10);
    expect(p.isPending(10)).toBe(true);
    expect(meip.at(-1)).toBe(true);
    expect(rd(claim(M))).toBe(10);
    line(false);
    wr(claim(M), 10);
    expect(p.isPending(10)).toBe(false);
    expect(meip.at(-1)).toBe(false);
  });

  it('ignores a completion for a source not enabled in that context', () => {
    const { p, rd, wr } = plic();
    wr(priority(2), 1);
    wr(enable(M), 1 << 2);
    p.line(2)(true);
    expect(rd(claim(M))).toBe(2);
    wr(claim(S), 2); // S context does not have source 2 enabled
    expect(p.isPending(2)).toBe(false);
    wr(claim(M), 2);
    expect(p.isPending(2)).toBe(true);
  });

  it('accepts 32-bit aligned accesses only', () => {
    const { p } = plic();
    expect(() => p.load(priority(1), 1)).toThrow(BusError);
    expect(() => p.store(priority(1) + 2, 2, 1)).toThrow(BusError);
  });

  it('reads nonexistent contexts as zero', () => {
    const { rd, wr } = plic();
    wr(threshold(2), 5);
    expect(rd(threshold(2))).toBe(0);
    expect(rd(claim(5))).toBe(0);
  });

  it('restores a saved state including in-service sources', () => {
    const a = plic();
    a.wr(priority(10), 4);
    a.wr(priority(11), 2);
    a.wr(enable(M), (1 << 10) | (1 << 11));
    a.wr(threshold(S), 1);
    a.p.line(10)(true);
    a.p.line(11)(true);
    expect(a.rd(claim(M))).toBe(10);
    const b = plic();
    b.p.restoreState(JSON.parse(JSON.stringify(a.p.saveState())));
    expect(b.meip.at(-1)).toBe(true);
    expect(b.rd(threshold(S))).toBe(1);
    expect(b.rd(claim(M))).toBe(11);
    b.wr(claim(M), 10);
    expect(b.rd(claim(M))).toBe(10);
  });
});
