import { describe, expect, it } from 'vitest';
import {
  DecodeCache,
  MAX_CODE_PAGES,
  MIN_CODE_PAGES,
  PAGE_BASE_AT,
  REGISTER_WORDS,
  TLB_AT,
  TLB_SET_WORDS,
} from '../../src/cpu/decode-cache';
import { FIRST_PAIR_OP, FUSED_PAIRS } from '../../src/cpu/decode/fusion';
import { Op } from '../../src/cpu/decode/op';
import { PAGE_END_CURSOR, PAGE_SLOT_WORDS, SlotOp } from '../../src/cpu/decode/slot';
import { asm, machine, RAM_BASE, reg } from './harness';

const { a0, a1 } = reg;

/** A cache over `pages` pages of RAM holding `words` from offset 0. */
function cacheOver(pages: number, words: readonly number[] = []) {
  const ram = new Uint8Array(pages * 4096);
  const view = new DataView(ram.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  return { ram, cache: new DecodeCache(new Uint16Array(ram.buffer)) };
}

describe('DecodeCache', () => {
  it('lays registers, TLB sets and the page index out as the interpreter expects', () => {
    // The interpreter writes these as literals (hart.ts, fastLoop).
    expect([REGISTER_WORDS, TLB_AT, TLB_SET_WORDS, PAGE_BASE_AT]).toEqual([64, 64, 1024, 4160]);
    const { cache } = cacheOver(8);
    expect(cache.tlbSet(3).byteOffset).toBe((TLB_AT + 3 * TLB_SET_WORDS) * 4);
    expect(cache.pageBase.byteOffset).toBe(PAGE_BASE_AT * 4);
    expect(cache.code[cache.entrySlot]).toBe(SlotOp.REFETCH);
    expect(cache.entrySlot % 4).toBe(0);
  });

  it('holds the slots of a sixteenth of RAM’s pages, within bounds', () => {
    expect(cacheOver(16).cache.capacity).toBe(MIN_CODE_PAGES);
    expect(cacheOver(4096).cache.capacity).toBe(256);
    expect(MAX_CODE_PAGES).toBeGreaterThan(256);
  });

  it('gives each page its slots on first use, ending in a REFETCH slot', () => {
    const { cache } = cacheOver(8);
    const a = cache.slotsOf(3);
    const b = cache.slotsOf(5);
    expect(cache.slotsOf(3)).toBe(a);
    expect(b - a).toBe(PAGE_SLOT_WORDS);
    expect(cache.pageBase[3]).toBe(a);
    expect(cache.code[a + PAGE_END_CURSOR]).toBe(SlotOp.REFETCH);
  });

  it('decodes a slot, fusing it with the next instruction when a rule matches', () => {
    const { cache } = cacheOver(8, [asm.addi(a0, a0, 1), asm.bne(a0, a1, -4), asm.mul(a0, a0, a0)]);
    const base = cache.slotsOf(0);
    cache.decodeSlot(base, 0);
    const index = FUSED_PAIRS.findIndex(([x, y]) => x === Op.ADDI && y === Op.BNE);
    expect(cache.code[base]! & 0xff).toBe(FIRST_PAIR_OP + index);
    cache.decodeSlot(base + 16, 0); // the mul, 8 bytes in: nothing to fuse with (zeros follow)
    expect(cache.code[base + 16]! & 0xff).toBe(Op.MUL);
  });

  it('marks a 32-bit instruction in the last halfword of a page as crossing it', () => {
    const { ram, cache } = cacheOver(8);
    new DataView(ram.buffer).setUint16(4094, 0x0013, true); // low half of a nop
    const base = cache.slotsOf(0);
    cache.decodeSlot(base + 2 * 4094, 0);
    expect(cache.code[base + 2 * 4094]).toBe(SlotOp.CROSSES_PAGE);
  });

  it('forgets the slots a store overlaps, including a pair starting 6 bytes before it', () => {
    const { cache } = cacheOver(8);
    const base = cache.slotsOf(1);
    for (let b = 0; b < 64; b += 2) cache.code[base + 2 * b] = Op.ADDI;
    cache.invalidate(4096 + 20, 4);
    const cleared = [];
    for (let b = 0; b < 64; b += 2) if (cache.code[base + 2 * b] === 0) cleared.push(b);
    expect(cleared).toEqual([14, 16, 18, 20, 22]);
    cache.invalidate(4096 + 2, 1); // clipped at the page start
    expect(cache.code[base]).toBe(0);
    cache.invalidate(5 * 4096, 4); // a page without slots: nothing to do
  });

  it('starts over when every page slot is taken', () => {
    const { cache } = cacheOver(MIN_CODE_PAGES * 2);
    for (let p = 0; p < MIN_CODE_PAGES; p++) cache.slotsOf(p);
    expect(cache.pageBase[0]).not.toBe(0);
    const again = cache.slotsOf(MIN_CODE_PAGES);
    expect(cache.pageBase[0]).toBe(0);
    expect(again).toBe(cache.entrySlot + 4);
  });

  it('keeps running correct code when a program spans more pages than the cache holds', () => {
    // 70 pages, each jumping to the next and counting; then back to the first, twice.
    const m = machine([], 1 << 20);
    const pages = 70;
    for (let p = 0; p < pages; p++) {
      const at = RAM_BASE + p * 4096;
      const next = p === pages - 1 ? -p * 4096 - 4 : 4096 - 4;
      m.bus.writeWords(at, [asm.addi(a0, a0, 1), asm.jal(0, next)]);
    }
    m.hart.flushDecodeCache();
    expect(m.hart.run(4 * pages)).toBe(4 * pages);
    expect(m.hart.x[a0]).toBe(2 * pages);
    expect(m.hart.pc).toBe(RAM_BASE);
  });
});
