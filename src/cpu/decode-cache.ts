import { fuseSlot, startsFusion } from './decode/fusion';
import {
  encodeSlot,
  PAGE_END_CURSOR,
  PAGE_SLOT_WORDS,
  slotStep,
  SLOT_WORDS,
  SlotOp,
} from './decode/slot';
import { TLB_ENTRIES, TLB_STRIDE } from './tlb';

/**
 * Layout of the interpreter's working-set array (word indices). The interpreter's hot
 * loop writes these numbers as literals.
 */
/** x0–x31 and the x0 sink (see Hart), padded to 64 words; words 48–50 are the fast loop's. */
export const REGISTER_WORDS = 64;
/** The TLB set of privilege p (tlb.ts) starts at TLB_AT + p × TLB_SET_WORDS (p = 0, 1, 3). */
export const TLB_AT = REGISTER_WORDS;
export const TLB_SET_WORDS = TLB_ENTRIES * TLB_STRIDE;
/** pageBase (see DecodeCache) starts here: 4160. */
export const PAGE_BASE_AT = TLB_AT + 4 * TLB_SET_WORDS;

/**
 * Bounds on how many pages' slots the cache holds: 32 KiB of slots per 4 KiB page, so
 * at most 32 MiB (the array is zero-filled; hosts commit its pages as they are used).
 */
export const MIN_CODE_PAGES = 64;
export const MAX_CODE_PAGES = 1024;

/**
 * The decoded-instruction cache: slots (decode/slot.ts) for the RAM pages code runs
 * from. They share one Int32Array with the rest of the interpreter's working set — the
 * register file, the TLB sets and the page index `pageBase` (see the layout above) —
 * because V8 re-checks a typed array's map and reloads its data pointer on every
 * iteration of a loop that can be interrupted: one array costs that once, not per
 * structure. `pageBase[page]` is the index of a RAM page's first slot, 0 while the page
 * has none. Slots are decoded lazily, one at a time, and forgotten when a store
 * overlaps their bytes. The array never moves (views of it stay valid); when every
 * page slot is taken the cache starts over, like QEMU's translation-block cache.
 */
export class DecodeCache {
  /** The working set: registers, TLB sets, pageBase, the entry slot, the page slots. */
  readonly code: Int32Array;
  /** Index of each RAM page's first slot, or 0 (a view of `code`). */
  readonly pageBase: Int32Array;
  /** Index of the lone REFETCH slot the interpreter starts from. */
  readonly entrySlot: number;
  /** How many pages' slots fit. */
  readonly capacity: number;
  private readonly ramU16: Uint16Array;
  private readonly firstPageSlot: number;
  private pages: number[] = [];

  /** A cache for `ramU16` that holds the slots of a sixteenth of its pages (within bounds). */
  constructor(ramU16: Uint16Array) {
    this.ramU16 = ramU16;
    const ramPages = Math.ceil((ramU16.length * 2) / 4096);
    this.capacity = Math.min(Math.max(ramPages >> 4, MIN_CODE_PAGES), MAX_CODE_PAGES);
    // Slots start at a multiple of SLOT_WORDS, so `slot | 1` … `slot | 3` address their words.
    this.entrySlot = (PAGE_BASE_AT + ramPages + SLOT_WORDS - 1) & -SLOT_WORDS;
    this.firstPageSlot = this.entrySlot + SLOT_WORDS;
    this.code = new Int32Array(this.firstPageSlot + this.capacity * PAGE_SLOT_WORDS);
    this.pageBase = this.code.subarray(PAGE_BASE_AT, PAGE_BASE_AT + ramPages);
    this.code[this.entrySlot] = SlotOp.REFETCH;
  }

  /** The TLB set of privilege `priv` (0, 1 or 3), a view of `code`. */
  tlbSet(priv: number): Int32Array {
    const at = TLB_AT + priv * TLB_SET_WORDS;
    return this.code.subarray(at, at + TLB_SET_WORDS);
  }

  /** Index of the first slot of RAM page `page`, making room for it if needed. */
  slotsOf(page: number): number {
    const known = this.pageBase[page] ?? 0;
    if (known !== 0) return known;
    if (this.pages.length === this.capacity) this.flush();
    const base = this.firstPageSlot + this.pages.length * PAGE_SLOT_WORDS;
    this.code.fill(0, base, base + PAGE_SLOT_WORDS);
    this.code[base + PAGE_END_CURSOR] = SlotOp.REFETCH;
    this.pageBase[page] = base;
    this.pages.push(page);
    return base;
  }

  /** Forgets every decoded slot (FENCE.I, code loaded behind the hart's back). */
  flush(): void {
    for (const page of this.pages) this.pageBase[page] = 0;
    this.pages = [];
  }

  /**
   * Decodes the slot at index `at` of the page at RAM offset `pageOff`; a pair the
   * fusion rules know becomes one slot.
   */
  decodeSlot(at: number, pageOff: number): void {
    const code = this.code;
    const k = ((at - this.firstPageSlot) % PAGE_SLOT_WORDS) >> 1;
    const raw = this.rawInstruction(pageOff + k);
    code[at + 2] = 0;
    code[at + 3] = 0;
    if (raw === -1) {
      code[at] = SlotOp.CROSSES_PAGE;
      code[at + 1] = 0;
      return;
    }
    encodeSlot(raw, code, at);
    if (!startsFusion(code[at]! & 0xff)) return;
    const next = k + (slotStep(code[at]!) >> 1);
    if (next >= 4096) return;
    const second = this.rawInstruction(pageOff + next);
    if (second === -1) return;
    encodeSlot(second, code, at + 2);
    if (!fuseSlot(code, at)) {
      code[at + 2] = 0;
      code[at + 3] = 0;
    }
  }

  /**
   * A store wrote `size` bytes at RAM offset `off`: forget the slots whose bytes it
   * overlaps. A slot covers up to 8 bytes (a fused pair of 32-bit instructions), so it
   * starts at most 6 bytes before the first byte written.
   */
  invalidate(off: number, size: number): void {
    const base = this.pageBase[off >>> 12] ?? 0;
    if (base === 0) return;
    const first = Math.max((off & 0xfff) - 6, 0) & ~1;
    const end = Math.min((off & 0xfff) + size, 4096);
    for (let b = first; b < end; b += 2) this.code[base + b * 2] = 0;
  }

  /** The instruction at RAM offset `off` (low half, or all 32 bits), or -1 if it leaves the page. */
  rawInstruction(off: number): number {
    const lo = this.ramU16[off >>> 1] ?? 0;
    if ((lo & 3) !== 3) return lo;
    if ((off & 0xfff) === 0xffe) return -1;
    return lo | ((this.ramU16[(off >>> 1) + 1] ?? 0) << 16);
  }
}
