import type { Bus } from './bus';
import { BusError } from './bus';
import { CSR_TABLE, csrAccessAllowed, readMip, type CsrHost } from './csr-file';
import { resetCsrRegisters, type CsrRegisters } from './csr-registers';
import { DecodeCache, REGISTER_WORDS } from './decode-cache';
import { Op } from './decode/op';
import { FusedOp, LAST_FUSED_OP } from './decode/fusion';
import { encodeSlot, plainOp, SlotOp } from './decode/slot';
import { CAUSE_INTERRUPT, Exception } from './exceptions';
import type { HartState } from './hart-state';
import { highestPriorityInterrupt } from './interrupts';
import { PC_WORD, runFastLoop, type FastLoopMemory } from './fast-loop';
import { mulh, mulhsu, mulhu } from './mul-high';
import {
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_MPRV,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
} from './status-bits';
import {
  AccessType,
  PERM_EXEC,
  PERM_READ,
  PERM_WRITE,
  translateSv32,
  WALK_PAGE_FAULT,
  type AccessTypeId,
  type PageTableMemory,
} from './sv32';
import {
  tlbFill,
  tlbIndex,
  TLB_EXEC_TAG,
  TLB_RAM_OFFSET,
  TLB_READ_TAG,
  TLB_WRITE_TAG,
} from './tlb';

export type { HartState } from './hart-state';

export const enum Priv {
  U = 0,
  S = 1,
  M = 3,
}

export interface HartOptions {
  bus: Bus;
  hartId: number;
  /** mtime as the platform sees it (CLINT); read by the `time`/`timeh` CSRs. */
  readTime: () => number;
}

const PAGE_SIZE = 4096;
const ENCODING_SYSTEM = 0x73;
const ENCODING_SFENCE_VMA = 0x12000073;
const ENCODING_WFI = 0x10500073;
const ENCODING_SRET = 0x10200073;
const ENCODING_MRET = 0x30200073;

/**
 * A RISC-V hart: RV32IMAC + Zicsr + Zifencei, M/S/U modes, Sv32 (privileged spec 1.12).
 *
 * Speed comes from a decode cache (decode-cache.ts) that keeps pre-decoded slots for
 * every halfword of the RAM pages code runs from (decode/slot.ts), with common
 * instruction pairs fused into one slot (decode/fusion.ts), and from a call-free hot
 * loop (fast-loop.ts) that runs them, translating pc only when control leaves a page and
 * doing loads and stores through a direct-mapped TLB (tlb.ts) that holds RAM offsets.
 * Whatever that loop does not handle — first execution of a slot, TLB misses, MMIO,
 * CSRs, traps, system instructions, atomics — it leaves to slowStep(), which runs one
 * instruction with its full semantics; interrupts and stop() are checked in between.
 * The tracer sees every instruction because it makes run() use slowStep() only.
 *
 * Checked against qemu-system-riscv32 7.2 (-M virt -bios none, -cpu rv32,h=false,
 * f=false,d=false): same misaligned load/store emulation, SC-without-reservation
 * behaviour, illegal-instruction tval and ebreak tval = 0. Deliberate differences,
 * where QEMU 7.2 departs from the spec: a misaligned AMO raises cause 6 (QEMU: 4);
 * mepc/sepc bit 0 reads 0; mstatus.VS, the H/LCOF bits of mideleg/mie/medeleg,
 * menvcfg cache-block bits and Sstc/debug-trigger CSRs are absent; hpm counters
 * read 0; PMP is stored but not enforced.
 */
export class Hart implements CsrHost, PageTableMemory {
  pc: number;
  readonly x: Int32Array;
  priv: Priv = Priv.M;
  instret = 0;
  waitingForInterrupt = false;
  machineTrapHook: ((hart: Hart, cause: number, tval: number) => boolean) | null = null;
  tracer: ((pc: number, insn: number) => void) | null = null;

  readonly hartId: number;
  readonly bus: Bus;
  /** @internal CSR storage (the CSR table reads and writes it). */
  readonly csr: CsrRegisters = resetCsrRegisters();
  /** @internal Platform interrupt lines, OR-ed into mip. */
  interruptLines = 0;
  /** @internal 1 while a CSR instruction is writing (see CsrHost). */
  instretBias = 0;

  readonly ram32: Int32Array;
  readonly ramBase: number;
  private readonly readTimeFn: () => number;
  /**
   * x0–x31 plus the sink slot 32 that writes to x0 go to; 64 long so `& 63` indexes stay
   * in bounds. A view of the decode cache's array (decode-cache.ts), which starts with them.
   */
  private readonly regs: Int32Array;
  private readonly ram: Uint8Array;
  private readonly ram16: Int16Array;
  private readonly ramU16: Uint16Array;
  private readonly ramSize: number;

  /** Decoded instructions of the pages code runs from. */
  private readonly cache: DecodeCache;
  /** What the fast loop (fast-loop.ts) works on. */
  private readonly fast: FastLoopMemory;
  /** Slot words of an instruction decoded outside the cache (slowStep). */
  private readonly scratchSlot = new Int32Array(4);

  /** TLB sets indexed by effective privilege (0 = U, 1 = S, 3 = M); views of the cache's array. */
  private readonly tlb: Int32Array[];

  /** Something out of line happened (set by the CSR, trap and cache hooks; read after the tracer). */
  private attention = false;
  private stopRequested = false;
  /** A synchronous exception raised by the current instruction (-1: none). */
  private excCause = -1;
  private excTval = 0;

  private reservationValid = false;
  private reservationAddress = 0;
  private reservationValue = 0;

  constructor(opts: HartOptions) {
    this.bus = opts.bus;
    this.hartId = opts.hartId;
    this.readTimeFn = opts.readTime;
    const ram = opts.bus.ram;
    if (ram.byteOffset % 4 !== 0) throw new Error('bus.ram must start on a 4-byte boundary');
    this.ram = ram;
    this.ramBase = opts.bus.ramBase >>> 0;
    this.ramSize = ram.length;
    // Typed-array views use host byte order; every JS engine in use is little-endian like RISC-V.
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.length >>> 2);
    this.ram16 = new Int16Array(ram.buffer, ram.byteOffset, ram.length >>> 1);
    this.ramU16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.length >>> 1);
    this.cache = new DecodeCache(this.ramU16);
    this.regs = this.cache.code.subarray(0, REGISTER_WORDS);
    this.tlb = [0, 1, 2, 3].map((priv) => this.cache.tlbSet(priv).fill(-1));
    this.x = this.regs.subarray(0, 32);
    this.fast = {
      code: this.cache.code,
      entrySlot: this.cache.entrySlot,
      ram,
      ram16: this.ram16,
      ramU16: this.ramU16,
      ram32: this.ram32,
    };
    this.pc = this.ramBase;
  }

  // ---------------------------------------------------------------- public API

  run(budget: number): number {
    if (this.waitingForInterrupt) {
      if ((readMip(this) & this.csr.mie) === 0) return 0;
      this.waitingForInterrupt = false;
    }
    this.stopRequested = false;
    return this.execute(budget, this.tracer !== null);
  }

  stop(): void {
    this.stopRequested = true;
    this.attention = true;
  }

  setInterruptLine(bit: number, level: boolean): void {
    const lines = level ? this.interruptLines | (1 << bit) : this.interruptLines & ~(1 << bit);
    if (lines === this.interruptLines) return;
    this.interruptLines = lines;
    this.interruptsChanged();
  }

  saveState(): HartState {
    const c = this.csr;
    return {
      version: 1,
      hartId: this.hartId,
      pc: this.pc >>> 0,
      priv: this.priv,
      x: Array.from(this.x),
      instret: this.instret,
      waitingForInterrupt: this.waitingForInterrupt,
      interruptLines: this.interruptLines,
      reservation: this.reservationValid
        ? { address: this.reservationAddress, value: this.reservationValue }
        : null,
      csr: { ...c, pmpcfg: [...c.pmpcfg], pmpaddr: [...c.pmpaddr] },
    };
  }

  restoreState(state: HartState): void {
    if (state.version !== 1) throw new Error(`unsupported hart state version ${state.version}`);
    this.pc = state.pc >>> 0;
    this.priv = state.priv as Priv;
    this.regs.fill(0);
    for (let i = 1; i < 32; i++) this.regs[i] = state.x[i] ?? 0;
    this.instret = state.instret;
    this.waitingForInterrupt = state.waitingForInterrupt;
    this.interruptLines = state.interruptLines;
    this.reservationValid = state.reservation !== null;
    this.reservationAddress = state.reservation?.address ?? 0;
    this.reservationValue = state.reservation?.value ?? 0;
    Object.assign(this.csr, state.csr, {
      pmpcfg: [...state.csr.pmpcfg],
      pmpaddr: [...state.csr.pmpaddr],
    });
    this.excCause = -1;
    this.clearTlb();
    this.flushDecodeCache();
  }

  readCsr(csr: number): number {
    return this.csrSpec(csr).read(this) >>> 0;
  }

  writeCsr(csr: number, value: number): void {
    const spec = this.csrSpec(csr);
    if (spec.write === undefined) throw new Error(`CSR 0x${csr.toString(16)} is read-only`);
    spec.write(this, value | 0);
  }

  flushDecodeCache(): void {
    this.cache.flush();
    this.attention = true;
  }

  // ------------------------------------------------------- CsrHost / MMU hooks

  /** @internal */
  time(): number {
    return this.readTimeFn();
  }

  /** @internal */
  translationChanged(): void {
    this.clearTlb();
    this.attention = true;
  }

  /** @internal */
  interruptsChanged(): void {
    // WFI resumes on any enabled pending interrupt, even if globally disabled (§3.3.3).
    if ((readMip(this) & this.csr.mie) !== 0) this.waitingForInterrupt = false;
    this.attention = true;
  }

  /** @internal A/D update by the page walker. */
  pageTableWritten(offset: number): void {
    this.cache.invalidate(offset, 4);
  }

  // ---------------------------------------------------------------- interpreter

  /**
   * Runs until `budget` instructions have retired or trapped. The fast loop runs
   * everything common; whatever it leaves (first execution of a slot, TLB misses,
   * MMIO, CSRs, traps, system instructions) is done here one instruction at a time,
   * with interrupts and stop() checked in between.
   */
  private execute(budget: number, tracing: boolean): number {
    let retired = 0;
    let events = 0;
    while (retired + events < budget) {
      if (this.stopRequested) break;
      if ((readMip(this) & this.csr.mie) !== 0) {
        const irq = this.pendingInterrupt();
        if (irq >= 0) {
          this.trap(irq, true, 0);
          events++;
          continue;
        }
      }
      if (this.waitingForInterrupt) break;
      this.attention = false;
      if (tracing && this.tracer !== null) {
        this.tracer(this.pc >>> 0, this.peekInstruction(this.pc));
        if (this.attention) continue;
      } else {
        const room = budget - events - retired;
        const code = this.fast.code;
        code[PC_WORD] = this.pc | 0;
        const done = runFastLoop(this.fast, Math.min(room, 0x3fffffff), this.priv, this.dataPriv());
        this.pc = code[PC_WORD]! >>> 0;
        this.instret += done;
        retired += done;
        if (done >= room) break;
        if (done === 0x3fffffff) continue;
      }
      if (this.slowStep()) {
        retired++;
        this.instret++;
      }
      // Taken at once, so the hart is consistent whenever run() returns.
      if (this.excCause >= 0) {
        const cause = this.excCause;
        this.excCause = -1;
        this.trap(cause, false, this.excTval);
        events++;
      }
    }
    return retired;
  }

  /**
   * Executes the instruction at pc with its full semantics — fetch faults, first
   * decode, MMIO, misaligned accesses, CSRs, system instructions — and returns
   * whether it retired (else it raised an exception).
   */
  private slowStep(): boolean {
    const pc = this.pc | 0;
    const pageOff = this.translateFetch(pc);
    if (pageOff < 0) return false;
    const cache = this.cache;
    const at = cache.slotsOf(pageOff >>> 12) + ((pc & 0xffe) << 1);
    if (cache.code[at] === SlotOp.UNDECODED) cache.decodeSlot(at, pageOff);
    let w = cache.code[at]!;
    let imm = cache.code[at + 1]!;
    if ((w & 0xff) === SlotOp.CROSSES_PAGE) {
      const upper = this.translateFetch((pc + 2) | 0);
      if (upper < 0) return false;
      const lo = this.ramU16[(pageOff + 0xffe) >>> 1] ?? 0;
      encodeSlot(lo | ((this.ramU16[upper >>> 1] ?? 0) << 16), this.scratchSlot, 0);
      w = this.scratchSlot[0]!;
      imm = this.scratchSlot[1]!;
    } else if ((w & 0xff) >= FusedOp.LUI_ADDI && (w & 0xff) <= LAST_FUSED_OP) {
      // A fused pair: only its first instruction.
      encodeSlot(cache.rawInstruction(pageOff + (pc & 0xffe)), this.scratchSlot, 0);
      w = this.scratchSlot[0]!;
      imm = this.scratchSlot[1]!;
    }
    return this.executeOne(w, imm, pc);
  }

  /** One instruction from its slot words (decode/slot.ts) at `pc`; returns whether it retired. */
  private executeOne(w: number, imm: number, pc: number): boolean {
    const regs = this.regs;
    const op = plainOp(w);
    const rd = (w >> 8) & 63;
    const rs1 = (w >> 16) & 31;
    const rs2 = (w >> 24) & 31;
    const a = regs[rs1]!;
    const b = regs[rs2]!;
    let next = (pc + ((w >> 13) & 6)) | 0;
    switch (op) {
      case Op.LUI:
        regs[rd] = imm;
        break;
      case Op.AUIPC:
        regs[rd] = (pc + imm) | 0;
        break;
      case Op.JAL:
        regs[rd] = next;
        next = (pc + (imm >> 1)) | 0;
        break;
      case Op.JALR:
        // Target bit 0 cleared; with C there is no misaligned target (§2.5).
        regs[rd] = next;
        next = (a + imm) & -2;
        break;
      case Op.BEQ:
        if (a === b) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.BNE:
        if (a !== b) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.BLT:
        if (a < b) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.BGE:
        if (a >= b) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.BLTU:
        if (a >>> 0 < b >>> 0) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.BGEU:
        if (a >>> 0 >= b >>> 0) next = (pc + (imm >> 1)) | 0;
        break;
      case Op.LB:
      case Op.LH:
      case Op.LW:
      case Op.LBU:
      case Op.LHU: {
        const size = op === Op.LW ? 4 : op === Op.LB || op === Op.LBU ? 1 : 2;
        const v = this.loadSlow((a + imm) | 0, size);
        if (this.excCause >= 0) return false;
        regs[rd] = op === Op.LB ? (v << 24) >> 24 : op === Op.LH ? (v << 16) >> 16 : v;
        break;
      }
      case Op.SB:
      case Op.SH:
      case Op.SW:
        this.storeSlow((a + imm) | 0, op === Op.SW ? 4 : op === Op.SH ? 2 : 1, b);
        if (this.excCause >= 0) return false;
        break;
      case Op.ADDI:
        regs[rd] = (a + imm) | 0;
        break;
      case Op.SLTI:
        regs[rd] = a < imm ? 1 : 0;
        break;
      case Op.SLTIU: // the sign-extended immediate compared as unsigned
        regs[rd] = a >>> 0 < imm >>> 0 ? 1 : 0;
        break;
      case Op.XORI:
        regs[rd] = a ^ imm;
        break;
      case Op.ORI:
        regs[rd] = a | imm;
        break;
      case Op.ANDI:
        regs[rd] = a & imm;
        break;
      case Op.SLLI:
        regs[rd] = a << imm;
        break;
      case Op.SRLI:
        regs[rd] = a >>> imm;
        break;
      case Op.SRAI:
        regs[rd] = a >> imm;
        break;
      case Op.ADD:
        regs[rd] = (a + b) | 0;
        break;
      case Op.SUB:
        regs[rd] = (a - b) | 0;
        break;
      case Op.SLL: // shift amounts are rs2[4:0]
        regs[rd] = a << (b & 31);
        break;
      case Op.SLT:
        regs[rd] = a < b ? 1 : 0;
        break;
      case Op.SLTU:
        regs[rd] = a >>> 0 < b >>> 0 ? 1 : 0;
        break;
      case Op.XOR:
        regs[rd] = a ^ b;
        break;
      case Op.SRL:
        regs[rd] = a >>> (b & 31);
        break;
      case Op.SRA:
        regs[rd] = a >> (b & 31);
        break;
      case Op.OR:
        regs[rd] = a | b;
        break;
      case Op.AND:
        regs[rd] = a & b;
        break;
      case Op.FENCE: // one hart, sequentially consistent memory: nothing to order
        break;
      case Op.FENCE_I: // make earlier stores visible to fetch (Zifencei)
        this.flushDecodeCache();
        break;
      case Op.ECALL:
        this.raise(
          this.priv === Priv.M
            ? Exception.EcallFromM
            : this.priv === Priv.S
              ? Exception.EcallFromS
              : Exception.EcallFromU,
          0,
        );
        return false;
      case Op.EBREAK: // QEMU 7.2 leaves tval = 0 for breakpoints
        this.raise(Exception.Breakpoint, 0);
        return false;
      case Op.MUL:
        regs[rd] = Math.imul(a, b);
        break;
      case Op.MULH:
        regs[rd] = mulh(a, b);
        break;
      case Op.MULHSU:
        regs[rd] = mulhsu(a, b);
        break;
      case Op.MULHU:
        regs[rd] = mulhu(a, b);
        break;
      case Op.DIV: // x/0 = -1, INT_MIN/-1 = INT_MIN (§7.2, Table 7.1)
        regs[rd] = b === 0 ? -1 : b === -1 ? -a | 0 : (a / b) | 0;
        break;
      case Op.DIVU: // x/0 = 2^32 - 1
        regs[rd] = b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
        break;
      case Op.REM: // x%0 = x, INT_MIN%-1 = 0
        regs[rd] = b === 0 ? a : b === -1 ? 0 : (a % b) | 0;
        break;
      case Op.REMU: // x%0 = x
        regs[rd] = b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
        break;
      case Op.LR_W:
      case Op.SC_W:
      case Op.AMOSWAP_W:
      case Op.AMOADD_W:
      case Op.AMOXOR_W:
      case Op.AMOAND_W:
      case Op.AMOOR_W:
      case Op.AMOMIN_W:
      case Op.AMOMAX_W:
      case Op.AMOMINU_W:
      case Op.AMOMAXU_W:
        this.atomic(op, rd, rs1, rs2);
        if (this.excCause >= 0) return false;
        break;
      case Op.CSRRW:
      case Op.CSRRS:
      case Op.CSRRC:
      case Op.CSRRWI:
      case Op.CSRRSI:
      case Op.CSRRCI:
        this.csrInstruction(op, rd, rs1, imm);
        if (this.excCause >= 0) return false;
        break;
      case Op.SRET:
        this.pc = pc >>> 0;
        return this.sret();
      case Op.MRET:
        this.pc = pc >>> 0;
        return this.mret();
      case Op.WFI:
        // §3.1.6.5: U-mode WFI is illegal (S is implemented); S-mode too when TW=1.
        if (this.priv === Priv.U || (this.priv === Priv.S && this.csr.mstatus & MSTATUS_TW)) {
          this.raise(Exception.IllegalInstruction, ENCODING_WFI);
          return false;
        }
        if ((readMip(this) & this.csr.mie) === 0) this.waitingForInterrupt = true;
        break;
      case Op.SFENCE_VMA: // flushes every cached translation (allowed by §4.2.1)
        if (this.priv === Priv.U || (this.priv === Priv.S && this.csr.mstatus & MSTATUS_TVM)) {
          this.raise(Exception.IllegalInstruction, ENCODING_SFENCE_VMA | (rs1 << 15) | (rs2 << 20));
          return false;
        }
        this.clearTlb();
        break;
      default: // ILLEGAL: imm holds the raw bits
        this.raise(Exception.IllegalInstruction, imm);
        return false;
    }
    this.pc = next >>> 0;
    return true;
  }

  // ------------------------------------------------------------------ memory

  private dataPriv(): number {
    const s = this.csr.mstatus;
    return this.priv === Priv.M && (s & MSTATUS_MPRV) !== 0
      ? (s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT
      : this.priv;
  }

  private clearTlb(): void {
    for (const set of this.tlb) set.fill(-1);
  }

  /**
   * Drops every cached translation, as sfence.vma with x0, x0 does (a full
   * flush is allowed for any address/ASID range, privileged spec 4.2.1):
   * for SBI RFENCE remote_sfence_vma on behalf of another hart. satp stays.
   */
  flushTlb(): void {
    this.translationChanged();
  }

  /** RAM byte offset of the page holding `pc`, or -1 after raising a fetch fault. */
  private translateFetch(pc: number): number {
    const tlb = this.tlb[this.priv]!;
    const e = tlbIndex(pc);
    if (tlb[e + TLB_EXEC_TAG] === pc >>> 12) return tlb[e + TLB_RAM_OFFSET]!;
    const r = translateSv32(this, pc, AccessType.Fetch, this.priv, this.csr.mstatus, this.csr.satp);
    if (r < 0) {
      this.raise(
        r === WALK_PAGE_FAULT ? Exception.InstructionPageFault : Exception.InstructionAccessFault,
        pc,
      );
      return -1;
    }
    const off = (r >>> 3) * PAGE_SIZE - this.ramBase;
    if (off < 0 || off >= this.ramSize) {
      this.raise(Exception.InstructionAccessFault, pc);
      return -1;
    }
    tlbFill(tlb, pc, (r & PERM_READ) !== 0, (r & PERM_WRITE) !== 0, true, off);
    return off;
  }

  /** Physical address for a data access, or -1 after raising the fault (tval = `va`). */
  private translateData(va: number, access: AccessTypeId): number {
    const priv = this.dataPriv();
    const tlb = this.tlb[priv]!;
    const e = tlbIndex(va);
    const tag = access === AccessType.Store ? TLB_WRITE_TAG : TLB_READ_TAG;
    if (tlb[e + tag] === va >>> 12) return this.ramBase + tlb[e + TLB_RAM_OFFSET]! + (va & 0xfff);
    const r = translateSv32(this, va, access, priv, this.csr.mstatus, this.csr.satp);
    if (r < 0) {
      const store = access === AccessType.Store;
      this.raise(
        r === WALK_PAGE_FAULT
          ? store
            ? Exception.StorePageFault
            : Exception.LoadPageFault
          : store
            ? Exception.StoreAccessFault
            : Exception.LoadAccessFault,
        va,
      );
      return -1;
    }
    const page = (r >>> 3) * PAGE_SIZE;
    const off = page - this.ramBase;
    if (off >= 0 && off < this.ramSize) {
      tlbFill(tlb, va, (r & PERM_READ) !== 0, (r & PERM_WRITE) !== 0, (r & PERM_EXEC) !== 0, off);
    }
    return page + (va & 0xfff);
  }

  /** Zero-extended (for size 4: signed 32-bit) load of an aligned physical address. */
  private physLoad(pa: number, size: 1 | 2 | 4, va: number, faultCause: number): number {
    const off = pa - this.ramBase;
    if (off >= 0 && off + size <= this.ramSize) {
      if (size === 4) return this.ram32[off >>> 2]!;
      return size === 2 ? this.ramU16[off >>> 1]! : this.ram[off]!;
    }
    if (pa >= 0x100000000) {
      this.raise(faultCause, va);
      return 0;
    }
    try {
      const v = this.bus.load(pa, size);
      return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
    } catch (err) {
      if (!(err instanceof BusError)) throw err;
      this.raise(faultCause, va);
      return 0;
    }
  }

  private physStore(pa: number, size: 1 | 2 | 4, value: number, va: number): void {
    const off = pa - this.ramBase;
    if (off >= 0 && off + size <= this.ramSize) {
      this.cache.invalidate(off, size);
      if (size === 4) this.ram32[off >>> 2] = value;
      else if (size === 2) this.ram16[off >>> 1] = value;
      else this.ram[off] = value;
      return;
    }
    if (pa >= 0x100000000) {
      this.raise(Exception.StoreAccessFault, va);
      return;
    }
    try {
      this.bus.store(pa, size, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
    } catch (err) {
      if (!(err instanceof BusError)) throw err;
      this.raise(Exception.StoreAccessFault, va);
    }
  }

  /**
   * Loads that miss the TLB fast path: walks, MMIO, misaligned accesses. Like QEMU
   * 7.2 TCG, misaligned loads/stores are performed (not trapped): both pages are
   * translated first, then the bytes are accessed one by one.
   */
  private loadSlow(va: number, size: 1 | 2 | 4): number {
    if ((va & (size - 1)) === 0) {
      const pa = this.translateData(va, AccessType.Load);
      return pa < 0 ? 0 : this.physLoad(pa, size, va, Exception.LoadAccessFault);
    }
    const pa = this.translateData(va, AccessType.Load);
    if (pa < 0) return 0;
    let pa2 = pa;
    const second = (va + size - 1) & -PAGE_SIZE;
    if (second !== (va & -PAGE_SIZE)) {
      pa2 = this.translateData(second, AccessType.Load);
      if (pa2 < 0) return 0;
    }
    let value = 0;
    for (let k = 0; k < size; k++) {
      const a = (va + k) | 0;
      const byteAddr = (a & -PAGE_SIZE) === (va & -PAGE_SIZE) ? pa + k : pa2 + (a & 0xfff);
      value |= this.physLoad(byteAddr, 1, va, Exception.LoadAccessFault) << (8 * k);
      if (this.excCause >= 0) return 0;
    }
    return value;
  }

  private storeSlow(va: number, size: 1 | 2 | 4, value: number): void {
    const pa = this.translateData(va, AccessType.Store);
    if (pa < 0) return;
    if ((va & (size - 1)) === 0) {
      this.physStore(pa, size, value, va);
      return;
    }
    let pa2 = pa;
    const second = (va + size - 1) & -PAGE_SIZE;
    if (second !== (va & -PAGE_SIZE)) {
      pa2 = this.translateData(second, AccessType.Store);
      if (pa2 < 0) return;
    }
    for (let k = 0; k < size; k++) {
      const a = (va + k) | 0;
      const byteAddr = (a & -PAGE_SIZE) === (va & -PAGE_SIZE) ? pa + k : pa2 + (a & 0xfff);
      this.physStore(byteAddr, 1, value >>> (8 * k), va);
      if (this.excCause >= 0) return;
    }
  }

  /**
   * LR/SC and AMOs (unprivileged ISA ch. 8). Misaligned AMOs raise store/AMO address
   * misaligned (cause 6), LR load address misaligned (4). Like QEMU, SC first checks
   * the reservation (address and unchanged value) and fails without touching memory.
   */
  private atomic(op: number, rd: number, rs1: number, rs2: number): void {
    const regs = this.regs;
    const va = regs[rs1]!;
    if (op === Op.LR_W) {
      if ((va & 3) !== 0) return this.raise(Exception.LoadAddressMisaligned, va);
      const pa = this.translateData(va, AccessType.Load);
      if (pa < 0) return;
      const v = this.physLoad(pa, 4, va, Exception.LoadAccessFault);
      if (this.excCause >= 0) return;
      this.reservationValid = true;
      this.reservationAddress = va;
      this.reservationValue = v;
      regs[rd] = v;
      return;
    }
    if (op === Op.SC_W) {
      const reserved = this.reservationValid && this.reservationAddress === va;
      this.reservationValid = false;
      if (!reserved) {
        regs[rd] = 1;
        return;
      }
    }
    if ((va & 3) !== 0) return this.raise(Exception.StoreAddressMisaligned, va);
    const pa = this.translateData(va, AccessType.Store);
    if (pa < 0) return;
    const old = this.physLoad(pa, 4, va, Exception.StoreAccessFault);
    if (this.excCause >= 0) return;
    const src = regs[rs2]!;
    let value: number;
    switch (op) {
      case Op.SC_W:
        if (old !== this.reservationValue) {
          regs[rd] = 1;
          return;
        }
        value = src;
        break;
      case Op.AMOSWAP_W:
        value = src;
        break;
      case Op.AMOADD_W:
        value = (old + src) | 0;
        break;
      case Op.AMOXOR_W:
        value = old ^ src;
        break;
      case Op.AMOAND_W:
        value = old & src;
        break;
      case Op.AMOOR_W:
        value = old | src;
        break;
      case Op.AMOMIN_W:
        value = old < src ? old : src;
        break;
      case Op.AMOMAX_W:
        value = old > src ? old : src;
        break;
      case Op.AMOMINU_W:
        value = old >>> 0 < src >>> 0 ? old : src;
        break;
      default: // AMOMAXU.W
        value = old >>> 0 > src >>> 0 ? old : src;
        break;
    }
    this.physStore(pa, 4, value, va);
    if (this.excCause >= 0) return;
    regs[rd] = op === Op.SC_W ? 0 : old;
  }

  /**
   * The raw instruction at `pc` for the tracer, without side effects: no exception,
   * no A/D update (0 when it cannot be fetched).
   */
  private peekInstruction(pc: number): number {
    const read16 = (va: number): number => {
      const r = translateSv32(
        this,
        va,
        AccessType.Fetch,
        this.priv,
        this.csr.mstatus,
        this.csr.satp,
        true,
      );
      if (r < 0) return -1;
      const at = (r >>> 3) * PAGE_SIZE - this.ramBase + (va & 0xfff);
      return at >= 0 && at + 2 <= this.ramSize ? this.ramU16[at >>> 1]! : -1;
    };
    const lo = read16(pc | 0);
    if (lo < 0) return 0;
    if ((lo & 3) !== 3) return lo;
    const hi = read16((pc + 2) | 0);
    return hi < 0 ? 0 : (lo | (hi << 16)) >>> 0;
  }

  // -------------------------------------------------------------- CSRs, traps

  private csrSpec(csr: number) {
    const spec = CSR_TABLE[csr & 0xfff];
    if (spec === undefined || csr >>> 12 !== 0) {
      throw new RangeError(`no CSR 0x${csr.toString(16)}`);
    }
    return spec;
  }

  /**
   * Executes a Zicsr instruction (§9.1): CSRRW[I] with rd = x0 does not read,
   * CSRRS/C[I] with rs1 = x0 / uimm = 0 do not write (so read-only CSRs can be read).
   * Returns whether it wrote; on an illegal access it raises and returns false.
   */
  private csrInstruction(op: number, rd: number, rs1: number, csr: number): boolean {
    const spec = CSR_TABLE[csr];
    const plainWrite = op === Op.CSRRW || op === Op.CSRRWI;
    const writes = plainWrite || rs1 !== 0;
    if (spec === undefined || !csrAccessAllowed(this, spec, writes)) {
      const funct3 = op - Op.CSRRW + (op >= Op.CSRRWI ? 2 : 1);
      this.raise(
        Exception.IllegalInstruction,
        (csr << 20) | (rs1 << 15) | (funct3 << 12) | ((rd & 31) << 7) | ENCODING_SYSTEM,
      );
      return false;
    }
    const old = spec.read(this) | 0;
    if (writes) {
      const src = op >= Op.CSRRWI ? rs1 : this.regs[rs1]!;
      const base = spec.readForUpdate === undefined ? old : spec.readForUpdate(this);
      const value = plainWrite
        ? src
        : op === Op.CSRRS || op === Op.CSRRSI
          ? base | src
          : base & ~src;
      this.instretBias = 1;
      spec.write?.(this, value | 0);
      this.instretBias = 0;
    }
    this.regs[rd] = old;
    return writes;
  }

  private raise(cause: number, tval: number): void {
    this.excCause = cause;
    this.excTval = tval;
    this.attention = true;
  }

  /** The interrupt to take now, or -1 (§3.1.6.1, §3.1.9). */
  private pendingInterrupt(): number {
    const pending = readMip(this) & this.csr.mie;
    if (pending === 0) return -1;
    const s = this.csr.mstatus;
    const deleg = this.csr.mideleg;
    // M-level interrupts are always enabled below M; S-level never in M, always in U.
    if (this.priv !== Priv.M || (s & MSTATUS_MIE) !== 0) {
      const irq = highestPriorityInterrupt(pending & ~deleg);
      if (irq >= 0) return irq;
    }
    if (this.priv === Priv.U || (this.priv === Priv.S && (s & MSTATUS_SIE) !== 0)) {
      return highestPriorityInterrupt(pending & deleg);
    }
    return -1;
  }

  /** Takes a trap at this.pc (§3.1.6.1, §3.1.7–3.1.8, §4.1.1). */
  private trap(code: number, interrupt: boolean, tval: number): void {
    this.reservationValid = false;
    const c = this.csr;
    const from = this.priv;
    const cause = interrupt ? CAUSE_INTERRUPT | code | 0 : code;
    const delegated = ((interrupt ? c.mideleg : c.medeleg) >>> code) & 1;
    if (from !== Priv.M && delegated) {
      c.scause = cause;
      c.sepc = this.pc | 0;
      c.stval = tval | 0;
      let s = c.mstatus & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP);
      if (c.mstatus & MSTATUS_SIE) s |= MSTATUS_SPIE;
      if (from === Priv.S) s |= MSTATUS_SPP;
      c.mstatus = s;
      this.priv = Priv.S;
      this.pc = trapVector(c.stvec, code, interrupt);
      return;
    }
    if (this.machineTrapHook !== null && this.machineTrapHook(this, cause >>> 0, tval >>> 0)) {
      this.attention = true;
      return;
    }
    c.mcause = cause;
    c.mepc = this.pc | 0;
    c.mtval = tval | 0;
    let s = c.mstatus & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP);
    if (c.mstatus & MSTATUS_MIE) s |= MSTATUS_MPIE;
    s |= from << MSTATUS_MPP_SHIFT;
    c.mstatus = s;
    this.priv = Priv.M;
    this.pc = trapVector(c.mtvec, code, interrupt);
  }

  /** MRET (§3.3.2): only in M-mode. */
  private mret(): boolean {
    if (this.priv !== Priv.M) {
      this.raise(Exception.IllegalInstruction, ENCODING_MRET);
      return false;
    }
    const c = this.csr;
    const s = c.mstatus;
    const mpp = ((s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT) as Priv;
    let next = (s & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE;
    if (s & MSTATUS_MPIE) next |= MSTATUS_MIE;
    if (mpp !== Priv.M) next &= ~MSTATUS_MPRV;
    c.mstatus = next;
    this.priv = mpp;
    this.pc = c.mepc >>> 0;
    this.reservationValid = false;
    this.attention = true;
    return true;
  }

  /** SRET (§3.3.2): illegal in U-mode, and in S-mode when mstatus.TSR = 1. */
  private sret(): boolean {
    const c = this.csr;
    if (this.priv === Priv.U || (this.priv === Priv.S && c.mstatus & MSTATUS_TSR)) {
      this.raise(Exception.IllegalInstruction, ENCODING_SRET);
      return false;
    }
    const s = c.mstatus;
    let next = (s & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) | MSTATUS_SPIE;
    if (s & MSTATUS_SPIE) next |= MSTATUS_SIE;
    c.mstatus = next;
    this.priv = s & MSTATUS_SPP ? Priv.S : Priv.U;
    this.pc = c.sepc >>> 0;
    this.reservationValid = false;
    this.attention = true;
    return true;
  }
}

/** Trap target: BASE, or BASE + 4 × cause for interrupts in vectored mode (§3.1.7). */
function trapVector(tvec: number, code: number, interrupt: boolean): number {
  const base = tvec & ~3;
  return ((tvec & 3) === 1 && interrupt ? base + 4 * code : base) >>> 0;
}
