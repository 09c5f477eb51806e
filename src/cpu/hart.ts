import type { Bus } from './bus';
import { BusError } from './bus';
import { CSR_TABLE, csrAccessAllowed, readMip, type CsrHost } from './csr-file';
import { resetCsrRegisters, type CsrRegisters } from './csr-registers';
import { decodeInto } from './decode/decoder';
import { Op } from './decode/op';
import { CAUSE_INTERRUPT, Exception } from './exceptions';
import type { HartState } from './hart-state';
import { highestPriorityInterrupt } from './interrupts';
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
  createTlb,
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
/** Decode-cache slot value for a 32-bit instruction whose upper half is on the next page. */
const SLOT_CROSSES_PAGE = -1;
const ENCODING_SYSTEM = 0x73;
const ENCODING_SFENCE_VMA = 0x12000073;
const ENCODING_WFI = 0x10500073;
const ENCODING_SRET = 0x10200073;
const ENCODING_MRET = 0x30200073;

/**
 * A RISC-V hart: RV32IMAC + Zicsr + Zifencei, M/S/U modes, Sv32 (privileged spec 1.12).
 *
 * Speed comes from a pre-decoded instruction cache — one Int32Array "block" per
 * physical RAM page, two words per halfword slot (see decodeInto) — and a single
 * interpreter loop that keeps pc and the current block in locals, switches on a
 * dense op id, and does loads/stores through a direct-mapped TLB that holds RAM
 * offsets. Everything rare (CSRs, traps, MMIO, page walks, atomics) is out of line;
 * such calls set `attention` when the loop must re-read its cached context.
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
  /** x0–x31 plus the sink slot 32 that writes to x0 go to; 64 long so `& 63` indexes stay in bounds. */
  private readonly regs = new Int32Array(64);
  private readonly ram: Uint8Array;
  private readonly ram16: Int16Array;
  private readonly ramU16: Uint16Array;
  private readonly ramSize: number;

  /** Decoded-instruction blocks per RAM page, and which pages have one. */
  private blocks: (Int32Array | undefined)[];
  private readonly codePages: Uint8Array;
  private codePageList: number[] = [];
  private readonly crossSlot = new Int32Array(2);

  /** TLB sets indexed by effective privilege (0 = U, 1 = S, 3 = M). */
  private readonly tlb: Int32Array[] = [createTlb(), createTlb(), createTlb(), createTlb()];

  /** Something out of line happened: the interpreter loop must leave its fast path. */
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
    this.x = this.regs.subarray(0, 32);
    const ram = opts.bus.ram;
    if (ram.byteOffset % 4 !== 0) throw new Error('bus.ram must start on a 4-byte boundary');
    this.ram = ram;
    this.ramBase = opts.bus.ramBase >>> 0;
    this.ramSize = ram.length;
    // Typed-array views use host byte order; every JS engine in use is little-endian like RISC-V.
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.length >>> 2);
    this.ram16 = new Int16Array(ram.buffer, ram.byteOffset, ram.length >>> 1);
    this.ramU16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.length >>> 1);
    const pages = Math.ceil(ram.length / PAGE_SIZE);
    this.blocks = new Array<Int32Array | undefined>(pages).fill(undefined);
    this.codePages = new Uint8Array(pages);
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
    this.flushTlb();
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
    for (const page of this.codePageList) {
      this.blocks[page] = undefined;
      this.codePages[page] = 0;
    }
    this.codePageList = [];
    this.attention = true;
  }

  // ------------------------------------------------------- CsrHost / MMU hooks

  /** @internal */
  time(): number {
    return this.readTimeFn();
  }

  /** @internal */
  translationChanged(): void {
    this.flushTlb();
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
    if (this.codePages[offset >>> 12] !== 0) this.invalidateCode(offset, 4);
  }

  // ---------------------------------------------------------------- interpreter

  private execute(budget: number, tracing: boolean): number {
    const regs = this.regs;
    const ram = this.ram;
    const ram16 = this.ram16;
    const ramU16 = this.ramU16;
    const ram32 = this.ram32;
    const codePages = this.codePages;
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
      }

      let pc = this.pc | 0;
      const dtlb = this.tlb[this.dataPriv()] ?? this.tlb[0]!;
      let fetchPage = 1; // never a page base: forces a translation first
      let blk: Int32Array = this.crossSlot;
      let pageOff = 0;
      const limit = tracing ? retired + 1 : budget - events;
      let n = retired;
      let synced = n;

      inner: while (n < limit) {
        if ((pc & -PAGE_SIZE) !== fetchPage) {
          const off = this.translateFetch(pc);
          if (off < 0) break;
          fetchPage = pc & -PAGE_SIZE;
          pageOff = off;
          blk = this.blockFor(off >>> 12);
        }
        const i = pc & 0xffe;
        let w = blk[i]!;
        let imm = blk[i + 1]!;
        if (w <= 0) {
          if (w === 0) {
            this.decodeSlot(blk, i, pageOff + i);
            w = blk[i]!;
            imm = blk[i + 1]!;
          }
          if (w === SLOT_CROSSES_PAGE) {
            if (!this.decodeCrossPage(pc, pageOff + i)) break;
            w = this.crossSlot[0]!;
            imm = this.crossSlot[1]!;
          }
        }
        const next = (pc + ((w >> 13) & 6)) | 0;

        // Case labels are literal Op ids (decode/op.ts) so V8 emits a jump table.
        switch (w & 0xff) {
          case 1: // ILLEGAL
            this.raise(Exception.IllegalInstruction, imm);
            break inner;
          case 2: // LUI
            regs[(w >> 8) & 63] = imm;
            pc = next;
            break;
          case 3: // AUIPC
            regs[(w >> 8) & 63] = (pc + imm) | 0;
            pc = next;
            break;
          case 4: // JAL
            regs[(w >> 8) & 63] = next;
            pc = (pc + imm) | 0;
            break;
          case 5: {
            // JALR: target bit 0 cleared; with C there is no misaligned target (§2.5).
            const target = (regs[(w >> 16) & 31]! + imm) & -2;
            regs[(w >> 8) & 63] = next;
            pc = target;
            break;
          }
          case 6: // BEQ
            pc = regs[(w >> 16) & 31] === regs[(w >> 24) & 31] ? (pc + imm) | 0 : next;
            break;
          case 7: // BNE
            pc = regs[(w >> 16) & 31] !== regs[(w >> 24) & 31] ? (pc + imm) | 0 : next;
            break;
          case 8: // BLT
            pc = regs[(w >> 16) & 31]! < regs[(w >> 24) & 31]! ? (pc + imm) | 0 : next;
            break;
          case 9: // BGE
            pc = regs[(w >> 16) & 31]! >= regs[(w >> 24) & 31]! ? (pc + imm) | 0 : next;
            break;
          case 10: // BLTU
            pc = regs[(w >> 16) & 31]! >>> 0 < regs[(w >> 24) & 31]! >>> 0 ? (pc + imm) | 0 : next;
            break;
          case 11: // BGEU
            pc = regs[(w >> 16) & 31]! >>> 0 >= regs[(w >> 24) & 31]! >>> 0 ? (pc + imm) | 0 : next;
            break;
          case 12: {
            // LB
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e] === va >>> 12) {
              regs[(w >> 8) & 63] = (ram[dtlb[e + 3]! + (va & 0xfff)]! << 24) >> 24;
            } else {
              const v = (this.loadSlow(va, 1) << 24) >> 24;
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                regs[(w >> 8) & 63] = v;
                pc = next;
                n++;
                break inner;
              }
              regs[(w >> 8) & 63] = v;
            }
            pc = next;
            break;
          }
          case 13: {
            // LH
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e] === va >>> 12 && (va & 1) === 0) {
              regs[(w >> 8) & 63] = ram16[(dtlb[e + 3]! + (va & 0xfff)) >> 1]!;
            } else {
              const v = (this.loadSlow(va, 2) << 16) >> 16;
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                regs[(w >> 8) & 63] = v;
                pc = next;
                n++;
                break inner;
              }
              regs[(w >> 8) & 63] = v;
            }
            pc = next;
            break;
          }
          case 14: {
            // LW
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e] === va >>> 12 && (va & 3) === 0) {
              regs[(w >> 8) & 63] = ram32[(dtlb[e + 3]! + (va & 0xfff)) >> 2]!;
            } else {
              const v = this.loadSlow(va, 4);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                regs[(w >> 8) & 63] = v;
                pc = next;
                n++;
                break inner;
              }
              regs[(w >> 8) & 63] = v;
            }
            pc = next;
            break;
          }
          case 15: {
            // LBU
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e] === va >>> 12) {
              regs[(w >> 8) & 63] = ram[dtlb[e + 3]! + (va & 0xfff)]!;
            } else {
              const v = this.loadSlow(va, 1);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                regs[(w >> 8) & 63] = v;
                pc = next;
                n++;
                break inner;
              }
              regs[(w >> 8) & 63] = v;
            }
            pc = next;
            break;
          }
          case 16: {
            // LHU
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e] === va >>> 12 && (va & 1) === 0) {
              regs[(w >> 8) & 63] = ramU16[(dtlb[e + 3]! + (va & 0xfff)) >> 1]!;
            } else {
              const v = this.loadSlow(va, 2);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                regs[(w >> 8) & 63] = v;
                pc = next;
                n++;
                break inner;
              }
              regs[(w >> 8) & 63] = v;
            }
            pc = next;
            break;
          }
          case 17: {
            // SB
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e + 1] === va >>> 12) {
              const o = dtlb[e + 3]! + (va & 0xfff);
              if (codePages[o >>> 12] !== 0) this.invalidateCode(o, 1);
              ram[o] = regs[(w >> 24) & 31]!;
            } else {
              this.storeSlow(va, 1, regs[(w >> 24) & 31]!);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                pc = next;
                n++;
                break inner;
              }
            }
            pc = next;
            break;
          }
          case 18: {
            // SH
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e + 1] === va >>> 12 && (va & 1) === 0) {
              const o = dtlb[e + 3]! + (va & 0xfff);
              if (codePages[o >>> 12] !== 0) this.invalidateCode(o, 2);
              ram16[o >> 1] = regs[(w >> 24) & 31]!;
            } else {
              this.storeSlow(va, 2, regs[(w >> 24) & 31]!);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                pc = next;
                n++;
                break inner;
              }
            }
            pc = next;
            break;
          }
          case 19: {
            // SW
            const va = (regs[(w >> 16) & 31]! + imm) | 0;
            const e = (va >>> 10) & 0x3fc;
            if (dtlb[e + 1] === va >>> 12 && (va & 3) === 0) {
              const o = dtlb[e + 3]! + (va & 0xfff);
              if (codePages[o >>> 12] !== 0) this.invalidateCode(o, 4);
              ram32[o >> 2] = regs[(w >> 24) & 31]!;
            } else {
              this.storeSlow(va, 4, regs[(w >> 24) & 31]!);
              if (this.attention) {
                if (this.excCause >= 0) break inner;
                pc = next;
                n++;
                break inner;
              }
            }
            pc = next;
            break;
          }
          case 20: // ADDI
            regs[(w >> 8) & 63] = (regs[(w >> 16) & 31]! + imm) | 0;
            pc = next;
            break;
          case 21: // SLTI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! < imm ? 1 : 0;
            pc = next;
            break;
          case 22: // SLTIU: the sign-extended immediate compared as unsigned
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >>> 0 < imm >>> 0 ? 1 : 0;
            pc = next;
            break;
          case 23: // XORI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! ^ imm;
            pc = next;
            break;
          case 24: // ORI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! | imm;
            pc = next;
            break;
          case 25: // ANDI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! & imm;
            pc = next;
            break;
          case 26: // SLLI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! << imm;
            pc = next;
            break;
          case 27: // SRLI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >>> imm;
            pc = next;
            break;
          case 28: // SRAI
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >> imm;
            pc = next;
            break;
          case 29: // ADD
            regs[(w >> 8) & 63] = (regs[(w >> 16) & 31]! + regs[(w >> 24) & 31]!) | 0;
            pc = next;
            break;
          case 30: // SUB
            regs[(w >> 8) & 63] = (regs[(w >> 16) & 31]! - regs[(w >> 24) & 31]!) | 0;
            pc = next;
            break;
          case 31: // SLL: shift amount is rs2[4:0]
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! << (regs[(w >> 24) & 31]! & 31);
            pc = next;
            break;
          case 32: // SLT
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! < regs[(w >> 24) & 31]! ? 1 : 0;
            pc = next;
            break;
          case 33: // SLTU
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >>> 0 < regs[(w >> 24) & 31]! >>> 0 ? 1 : 0;
            pc = next;
            break;
          case 34: // XOR
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! ^ regs[(w >> 24) & 31]!;
            pc = next;
            break;
          case 35: // SRL
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >>> (regs[(w >> 24) & 31]! & 31);
            pc = next;
            break;
          case 36: // SRA
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! >> (regs[(w >> 24) & 31]! & 31);
            pc = next;
            break;
          case 37: // OR
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! | regs[(w >> 24) & 31]!;
            pc = next;
            break;
          case 38: // AND
            regs[(w >> 8) & 63] = regs[(w >> 16) & 31]! & regs[(w >> 24) & 31]!;
            pc = next;
            break;
          case 39: // FENCE: one hart, sequentially consistent memory: nothing to order
            pc = next;
            break;
          case 40: // FENCE.I: make earlier stores visible to fetch (Zifencei)
            this.flushDecodeCache();
            pc = next;
            n++;
            break inner;
          case 41: // ECALL
            this.raise(
              this.priv === Priv.M
                ? Exception.EcallFromM
                : this.priv === Priv.S
                  ? Exception.EcallFromS
                  : Exception.EcallFromU,
              0,
            );
            break inner;
          case 42: // EBREAK: QEMU 7.2 leaves tval = 0 for breakpoints
            this.raise(Exception.Breakpoint, 0);
            break inner;
          case 43: // MUL
            regs[(w >> 8) & 63] = Math.imul(regs[(w >> 16) & 31]!, regs[(w >> 24) & 31]!);
            pc = next;
            break;
          case 44: // MULH
            regs[(w >> 8) & 63] = mulh(regs[(w >> 16) & 31]!, regs[(w >> 24) & 31]!);
            pc = next;
            break;
          case 45: // MULHSU
            regs[(w >> 8) & 63] = mulhsu(regs[(w >> 16) & 31]!, regs[(w >> 24) & 31]!);
            pc = next;
            break;
          case 46: // MULHU
            regs[(w >> 8) & 63] = mulhu(regs[(w >> 16) & 31]!, regs[(w >> 24) & 31]!);
            pc = next;
            break;
          case 47: {
            // DIV: x/0 = -1, INT_MIN/-1 = INT_MIN (§7.2, Table 7.1)
            const a = regs[(w >> 16) & 31]!;
            const b = regs[(w >> 24) & 31]!;
            regs[(w >> 8) & 63] = b === 0 ? -1 : b === -1 ? -a | 0 : (a / b) | 0;
            pc = next;
            break;
          }
          case 48: {
            // DIVU: x/0 = 2^32 - 1
            const b = regs[(w >> 24) & 31]! >>> 0;
            regs[(w >> 8) & 63] = b === 0 ? -1 : ((regs[(w >> 16) & 31]! >>> 0) / b) | 0;
            pc = next;
            break;
          }
          case 49: {
            // REM: x%0 = x, INT_MIN%-1 = 0
            const a = regs[(w >> 16) & 31]!;
            const b = regs[(w >> 24) & 31]!;
            regs[(w >> 8) & 63] = b === 0 ? a : b === -1 ? 0 : (a % b) | 0;
            pc = next;
            break;
          }
          case 50: {
            // REMU: x%0 = x
            const a = regs[(w >> 16) & 31]!;
            const b = regs[(w >> 24) & 31]! >>> 0;
            regs[(w >> 8) & 63] = b === 0 ? a : ((a >>> 0) % b) | 0;
            pc = next;
            break;
          }
          case 51: // LR.W
          case 52: // SC.W
          case 53: // AMOSWAP.W
          case 54: // AMOADD.W
          case 55: // AMOXOR.W
          case 56: // AMOAND.W
          case 57: // AMOOR.W
          case 58: // AMOMIN.W
          case 59: // AMOMAX.W
          case 60: // AMOMINU.W
          case 61: // AMOMAXU.W
            this.atomic(w & 0xff, (w >> 8) & 63, (w >> 16) & 31, (w >> 24) & 31);
            if (this.attention) {
              if (this.excCause >= 0) break inner;
              pc = next;
              n++;
              break inner;
            }
            pc = next;
            break;
          case 62: // CSRRW
          case 63: // CSRRS
          case 64: // CSRRC
          case 65: // CSRRWI
          case 66: // CSRRSI
          case 67: {
            // CSRRCI
            this.instret += n - synced;
            synced = n;
            const wrote = this.csrInstruction(w & 0xff, (w >> 8) & 63, (w >> 16) & 31, imm);
            if (this.excCause >= 0) break inner;
            pc = next;
            if (wrote || this.attention) {
              n++;
              break inner;
            }
            break;
          }
          case 68: // SRET
            this.pc = pc >>> 0;
            if (!this.sret()) break inner;
            pc = this.pc | 0;
            n++;
            break inner;
          case 69: // MRET
            this.pc = pc >>> 0;
            if (!this.mret()) break inner;
            pc = this.pc | 0;
            n++;
            break inner;
          case 70: // WFI
            // §3.1.6.5: U-mode WFI is illegal (S is implemented); S-mode too when TW=1.
            if (this.priv === Priv.U || (this.priv === Priv.S && this.csr.mstatus & MSTATUS_TW)) {
              this.raise(Exception.IllegalInstruction, ENCODING_WFI);
              break inner;
            }
            pc = next;
            n++;
            if ((readMip(this) & this.csr.mie) === 0) this.waitingForInterrupt = true;
            break inner;
          case 71: // SFENCE.VMA: flushes every cached translation (allowed by §4.2.1)
            if (this.priv === Priv.U || (this.priv === Priv.S && this.csr.mstatus & MSTATUS_TVM)) {
              this.raise(
                Exception.IllegalInstruction,
                ENCODING_SFENCE_VMA | (((w >> 16) & 31) << 15) | (((w >> 24) & 31) << 20),
              );
              break inner;
            }
            this.flushTlb();
            pc = next;
            n++;
            break inner;
          default:
            this.raise(Exception.IllegalInstruction, imm);
            break inner;
        }
        n++;
      }

      this.pc = pc >>> 0;
      this.instret += n - synced;
      retired = n;
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

  // ------------------------------------------------------------ decode cache

  private blockFor(page: number): Int32Array {
    let block = this.blocks[page];
    if (block === undefined) {
      block = new Int32Array(PAGE_SIZE);
      this.blocks[page] = block;
    }
    return block;
  }

  /** Decodes the instruction at RAM byte offset `off` into its slot `i` of `block`. */
  private decodeSlot(block: Int32Array, i: number, off: number): void {
    const page = off >>> 12;
    if (this.codePages[page] === 0) {
      this.codePages[page] = 1;
      this.codePageList.push(page);
    }
    const lo = this.ramU16[off >>> 1] ?? 0;
    if ((lo & 3) !== 3) {
      decodeInto(lo, block, i);
    } else if ((off & 0xfff) === 0xffe) {
      block[i] = SLOT_CROSSES_PAGE;
      block[i + 1] = 0;
    } else {
      decodeInto(lo | ((this.ramU16[(off >>> 1) + 1] ?? 0) << 16), block, i);
    }
  }

  /** A 32-bit instruction straddling two pages: fetched and decoded afresh every time. */
  private decodeCrossPage(pc: number, off: number): boolean {
    const upper = this.translateFetch((pc + 2) | 0);
    if (upper < 0) return false;
    const raw = (this.ramU16[off >>> 1] ?? 0) | ((this.ramU16[upper >>> 1] ?? 0) << 16);
    decodeInto(raw, this.crossSlot, 0);
    return true;
  }

  /** A store hit RAM at `off`: forget decoded slots that overlap the written bytes. */
  private invalidateCode(off: number, size: number): void {
    const block = this.blocks[off >>> 12];
    if (block === undefined) return;
    const first = Math.max((off & 0xfff) - 2, 0) & ~1;
    const end = Math.min((off & 0xfff) + size, PAGE_SIZE);
    for (let b = first; b < end; b += 2) block[b] = 0;
  }

  // ------------------------------------------------------------------ memory

  private dataPriv(): number {
    const s = this.csr.mstatus;
    return this.priv === Priv.M && (s & MSTATUS_MPRV) !== 0
      ? (s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT
      : this.priv;
  }

  private flushTlb(): void {
    for (const set of this.tlb) set.fill(-1);
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
      if (this.codePages[off >>> 12] !== 0) this.invalidateCode(off, size);
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
