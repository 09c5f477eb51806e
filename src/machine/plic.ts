import { BusError } from '../cpu/bus';
import { PLIC_NDEV, PLIC_PRIORITY_MASK } from './address-map';
import { unconnected, type InterruptLine, type MmioDevice } from './mmio-device';

/**
 * SiFive PLIC as QEMU virt configures it for one hart ("MS": context 0 is the
 * hart's M-mode → MEIP, context 1 its S-mode → SEIP). Layout and semantics from
 * the RISC-V PLIC Specification 1.0.0, chapters 3–9:
 *   +0x000000 + 4*id         source priority (id 1..ndev; 0 means "never interrupt")
 *   +0x001000 + 4*word       pending bits (read-only)
 *   +0x002000 + 0x80*ctx     enable bits per context
 *   +0x200000 + 0x1000*ctx   priority threshold; +4 claim (read) / complete (write)
 * Sources are level-triggered (chapter 5 "Interrupt Gateways"): a rising level
 * becomes a pending request; while a source is claimed its gateway forwards
 * nothing; on completion, a still-high line becomes pending again. Enable bit 0
 * is hardwired to 0 as in SiFive's manuals (QEMU lets it be written; it has no
 * effect either way). Only 32-bit aligned accesses are decoded.
 */

export const PlicReg = {
  PRIORITY: 0x000000,
  PENDING: 0x001000,
  ENABLE: 0x002000,
  ENABLE_STRIDE: 0x80,
  CONTEXT: 0x200000,
  CONTEXT_STRIDE: 0x1000,
  THRESHOLD: 0x0,
  CLAIM_COMPLETE: 0x4,
} as const;

/** The two contexts of hart 0. */
export const PlicContext = { M: 0, S: 1 } as const;

const WORDS = Math.ceil((PLIC_NDEV + 1) / 32);

export interface PlicState {
  priority: number[];
  pending: number[];
  claimed: number[];
  level: number[];
  enable: number[][];
  threshold: number[];
  accessCount: number;
}

export interface PlicOptions {
  /** One output per context: [M-mode external interrupt, S-mode external interrupt]. */
  contextLines?: InterruptLine[];
  contexts?: number;
}

const bit = (words: Uint32Array, id: number): boolean =>
  (((words[id >>> 5] as number) >>> (id & 31)) & 1) !== 0;
const setBit = (words: Uint32Array, id: number, on: boolean): void => {
  const w = id >>> 5;
  const mask = 1 << (id & 31);
  words[w] = on ? (words[w] as number) | mask : (words[w] as number) & ~mask;
};

export class Plic implements MmioDevice {
  readonly name = 'plic';
  accessCount = 0;
  readonly contexts: number;
  contextLines: InterruptLine[];
  private priority = new Uint32Array(PLIC_NDEV + 1);
  private pending = new Uint32Array(WORDS);
  private claimed = new Uint32Array(WORDS);
  private level = new Uint32Array(WORDS);
  private enable: Uint32Array[];
  private threshold: Uint32Array;
  private outputLevels: (boolean | undefined)[];

  constructor(opts: PlicOptions = {}) {
    this.contexts = opts.contexts ?? 2;
    this.contextLines = opts.contextLines ?? [];
    this.enable = Array.from({ length: this.contexts }, () => new Uint32Array(WORDS));
    this.threshold = new Uint32Array(this.contexts);
    this.outputLevels = new Array<boolean | undefined>(this.contexts).fill(undefined);
  }

  /** A device's interrupt wire into source `id` (1..ndev). */
  line(id: number): InterruptLine {
    if (!(id >= 1 && id <= PLIC_NDEV)) throw new RangeError(`PLIC source ${id} out of range`);
    return (level) => this.setSourceLevel(id, level);
  }

  setSourceLevel(id: number, level: boolean): void {
    setBit(this.level, id, level);
    // Spec chapter 5: the gateway turns the first assertion into a request and
    // forwards no other until completion; a level that drops before the claim
    // leaves the request pending (QEMU 7.2 behaves the same).
    if (level && !bit(this.claimed, id)) setBit(this.pending, id, true);
    this.update();
  }

  isPending(id: number): boolean {
    return bit(this.pending, id);
  }

  /** Highest-priority pending, enabled source above the context's threshold (ties: lowest id). */
  private best(ctx: number): number {
    const enable = this.enable[ctx] as Uint32Array;
    let bestId = 0;
    let bestPriority = this.threshold[ctx] as number;
    for (let w = 0; w < WORDS; w++) {
      let candidates = (this.pending[w] as number) & (enable[w] as number);
      while (candidates) {
        const b = 31 - Math.clz32(candidates & -candidates);
        candidates &= candidates - 1;
        const id = w * 32 + b;
        const p = this.priority[id] ?? 0;
        if (p > bestPriority) {
          bestPriority = p;
          bestId = id;
        }
      }
    }
    return bestId;
  }

  /** Recompute every context's interrupt output. */
  update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.best(ctx) !== 0;
      if (level !== this.outputLevels[ctx]) {
        this.outputLevels[ctx] = level;
        (this.contextLines[ctx] ?? unconnected)(level);
      }
    }
  }

  private claim(ctx: number): number {
    const id = this.best(ctx);
    if (id !== 0) {
      setBit(this.pending, id, false);
      setBit(this.claimed, id, true);
      this.update();
    }
    return id;
  }

  private complete(ctx: number, id: number): void {
    // Spec chapter 9: a completion for a source not enabled for this target is ignored.
    if (id < 1 || id > PLIC_NDEV || !bit(this.enable[ctx] as Uint32Array, id)) return;
    setBit(this.claimed, id, false);
    if (bit(this.level, id)) setBit(this.pending, id, true);
    this.update();
  }

  load(offset: number, size: 1 | 2 | 4): number {
    this.accessCount++;
    if (size !== 4 || offset & 3) throw new BusError(offset);
    if (offset < PlicReg.PENDING) {
      return this.priority[offset >>> 2] ?? 0;
    }
    if (offset < PlicReg.ENABLE) {
      return this.pending[(offset - PlicReg.PENDING) >>> 2] ?? 0;
    }
    if (offset < PlicReg.CONTEXT) {
      const rel = offset - PlicReg.ENABLE;
      const ctx = Math.floor(rel / PlicReg.ENABLE_STRIDE);
      return this.enable[ctx]?.[(rel % PlicReg.ENABLE_STRIDE) >>> 2] ?? 0;
    }
    const rel = offset - PlicReg.CONTEXT;
    const ctx = Math.floor(rel / PlicReg.CONTEXT_STRIDE);
    if (ctx >= this.contexts) return 0;
    switch (rel % PlicReg.CONTEXT_STRIDE) {
      case PlicReg.THRESHOLD:
        return this.threshold[ctx] as number;
      case PlicReg.CLAIM_COMPLETE:
        return this.claim(ctx);
      default:
        return 0;
    }
  }

  store(offset: number, size: 1 | 2 | 4, value: number): void {
    this.accessCount++;
    if (size !== 4 || offset & 3) throw new BusError(offset);
    value >>>= 0;
    if (offset < PlicReg.PENDING) {
      const id = offset >>> 2;
      if (id >= 1 && id <= PLIC_NDEV) this.priority[id] = value & PLIC_PRIORITY_MASK;
    } else if (offset < PlicReg.ENABLE) {
      return; // pending bits are read-only
    } else if (offset < PlicReg.CONTEXT) {
      const rel = offset - PlicReg.ENABLE;
      const ctx = Math.floor(rel / PlicReg.ENABLE_STRIDE);
      const w = (rel % PlicReg.ENABLE_STRIDE) >>> 2;
      const enable = this.enable[ctx];
      if (!enable || w >= WORDS) return;
      // Source 0 does not exist, nor do sources above ndev.
      enable[w] = value & validMask(w);
    } else {
      const rel = offset - PlicReg.CONTEXT;
      const ctx = Math.floor(rel / PlicReg.CONTEXT_STRIDE);
      if (ctx >= this.contexts) return;
      const reg = rel % PlicReg.CONTEXT_STRIDE;
      if (reg === PlicReg.THRESHOLD) this.threshold[ctx] = value & PLIC_PRIORITY_MASK;
      else if (reg === PlicReg.CLAIM_COMPLETE) this.complete(ctx, value);
      else return;
    }
    this.update();
  }

  saveState(): PlicState {
    return {
      priority: [...this.priority],
      pending: [...this.pending],
      claimed: [...this.claimed],
      level: [...this.level],
      enable: this.enable.map((e) => [...e]),
      threshold: [...this.threshold],
      accessCount: this.accessCount,
    };
  }

  restoreState(s: PlicState): void {
    this.priority = Uint32Array.from(s.priority);
    this.pending = Uint32Array.from(s.pending);
    this.claimed = Uint32Array.from(s.claimed);
    this.level = Uint32Array.from(s.level);
    this.enable = s.enable.map((e) => Uint32Array.from(e));
    this.threshold = Uint32Array.from(s.threshold);
    this.accessCount = s.accessCount;
    this.outputLevels.fill(undefined);
    this.update();
  }
}

/** Bits of enable word `w` that name real sources (1..ndev). */
function validMask(w: number): number {
  let mask = 0;
  for (let b = 0; b < 32; b++) {
    const id = w * 32 + b;
    if (id >= 1 && id <= PLIC_NDEV) mask |= 1 << b;
  }
  return mask;
}
