import { Csr } from './csr-numbers';
import type { CsrRegisters } from './csr-registers';
import { PMP_CFG_REGISTERS, PMP_ENTRIES } from './csr-registers';
import { DELEGABLE_EXCEPTIONS } from './exceptions';
import { ALL_INTERRUPTS, MIP_SSIP, S_INTERRUPTS } from './interrupts';
import { PRIV_M, PRIV_U } from './privilege';
import {
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_TVM,
  MSTATUS_PERMISSION_FIELDS,
  MSTATUS_WRITABLE,
  SSTATUS_MASK,
} from './status-bits';

/** What a CSR's read/write needs from the hart. */
export interface CsrHost {
  readonly csr: CsrRegisters;
  readonly priv: number;
  readonly hartId: number;
  /** Retired instructions before the current one. */
  instret: number;
  /** 1 while a CSR instruction writes (its own retirement is still to come), else 0. */
  readonly instretBias: number;
  /** Platform interrupt lines, OR-ed into mip. */
  readonly interruptLines: number;
  time(): number;
  /** satp or a translation-relevant mstatus field changed: cached translations are stale. */
  translationChanged(): void;
  /** mie, mip, mideleg or an interrupt-enable bit changed: re-evaluate pending interrupts. */
  interruptsChanged(): void;
}

/** One row of the CSR table. */
export interface CsrSpec {
  readonly number: number;
  readonly name: string;
  read(h: CsrHost): number;
  /**
   * Absent for read-only CSRs. Writes pass the full new value; the function keeps
   * only the writable (WARL) bits.
   */
  readonly write?: (h: CsrHost, value: number) => void;
  /** The value a read-modify-write (CSRRS/CSRRC) starts from, if it differs from a read (mip.SEIP, §3.1.9). */
  readonly readForUpdate?: (h: CsrHost) => number;
  /** Access rule beyond the privilege encoded in the number (counter enables, TVM). */
  readonly allowed?: (h: CsrHost) => boolean;
}

const TWO_32 = 4294967296;
const low = (v: number): number => v | 0;
const high = (v: number): number => Math.floor(v / TWO_32) | 0;
const ignore = (): void => {};
const zero = (): number => 0;

/** misa for RV32 (MXL = 1) with A, C, I, M, S, U (§3.1.1). Writes are ignored. */
export const MISA =
  (1 << 30) |
  (1 << 0) | // A
  (1 << 2) | // C
  (1 << 8) | // I
  (1 << 12) | // M
  (1 << 18) | // S
  (1 << 20); // U

export function readMip(h: CsrHost): number {
  return h.csr.mipSoftware | h.interruptLines;
}

function writeMstatus(h: CsrHost, value: number): void {
  const old = h.csr.mstatus;
  let next = (old & ~MSTATUS_WRITABLE) | (value & MSTATUS_WRITABLE);
  // MPP is WARL: 2 is not a supported mode; keep the previous value (as QEMU ≥ 8 does).
  if ((next & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT === 2) {
    next = (next & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
  }
  h.csr.mstatus = next;
  // MPRV/MPP only choose which per-privilege TLB set applies; SUM/MXR change permissions.
  if ((old ^ next) & MSTATUS_PERMISSION_FIELDS) h.translationChanged();
  h.interruptsChanged();
}

/** xtvec: MODE 0 (direct) and 1 (vectored); a write with a reserved MODE is ignored, as in QEMU. */
function legalTvec(value: number): boolean {
  return (value & 3) < 2;
}

/**
 * Counters visible below M-mode only when mcounteren (and, for U-mode, scounteren)
 * enables them (§3.1.11, §4.1.4); otherwise the access is an illegal instruction.
 */
function counterEnabled(h: CsrHost, index: number): boolean {
  if (h.priv === PRIV_M) return true;
  if (((h.csr.mcounteren >>> index) & 1) === 0) return false;
  return h.priv !== PRIV_U || ((h.csr.scounteren >>> index) & 1) !== 0;
}

function cycles(h: CsrHost): number {
  return h.instret + h.csr.cycleOffset;
}

/** The counter value after this instruction retires is `value` (unprivileged ISA §9.1 note on instret). */
function setCycles(h: CsrHost, value: number): void {
  h.csr.cycleOffset = value - (h.instret + h.instretBias);
}

function setInstret(h: CsrHost, value: number): void {
  const before = cycles(h);
  h.instret = value - h.instretBias;
  h.csr.cycleOffset = before - h.instret; // mcycle is not disturbed
}

const withLow = (v: number, lo: number): number => high(v) * TWO_32 + (lo >>> 0);
const withHigh = (v: number, hi: number): number => (hi >>> 0) * TWO_32 + (low(v) >>> 0);

/** pmpcfg byte i is locked (L bit) — locked entries ignore writes (§3.7.1). */
function pmpLocked(c: CsrRegisters, entry: number): boolean {
  return (((c.pmpcfg[entry >> 2] ?? 0) >>> ((entry & 3) * 8)) & 0x80) !== 0;
}

function pmpTorOf(c: CsrRegisters, entry: number): boolean {
  return (((c.pmpcfg[entry >> 2] ?? 0) >>> ((entry & 3) * 8)) & 0x18) === 0x08;
}

function writePmpcfg(h: CsrHost, index: number, value: number): void {
  let next = h.csr.pmpcfg[index] ?? 0;
  for (let b = 0; b < 4; b++) {
    if (pmpLocked(h.csr, index * 4 + b)) continue;
    const shift = b * 8;
    next = (next & ~(0xff << shift)) | (value & (0xff << shift));
  }
  h.csr.pmpcfg[index] = next | 0;
}

function writePmpaddr(h: CsrHost, index: number, value: number): void {
  const c = h.csr;
  if (pmpLocked(c, index)) return;
  // A locked TOR entry also locks the address below it (§3.7.1).
  if (index + 1 < PMP_ENTRIES && pmpLocked(c, index + 1) && pmpTorOf(c, index + 1)) return;
  c.pmpaddr[index] = value | 0;
}

const rows: CsrSpec[] = [
  // Unprivileged counters (§9, Zicntr): cycle = instret, time from the platform.
  {
    number: Csr.cycle,
    name: 'cycle',
    read: (h) => low(cycles(h)),
    allowed: (h) => counterEnabled(h, 0),
  },
  {
    number: Csr.time,
    name: 'time',
    read: (h) => low(h.time()),
    allowed: (h) => counterEnabled(h, 1),
  },
  {
    number: Csr.instret,
    name: 'instret',
    read: (h) => low(h.instret),
    allowed: (h) => counterEnabled(h, 2),
  },
  {
    number: Csr.cycleh,
    name: 'cycleh',
    read: (h) => high(cycles(h)),
    allowed: (h) => counterEnabled(h, 0),
  },
  {
    number: Csr.timeh,
    name: 'timeh',
    read: (h) => high(h.time()),
    allowed: (h) => counterEnabled(h, 1),
  },
  {
    number: Csr.instreth,
    name: 'instreth',
    read: (h) => high(h.instret),
    allowed: (h) => counterEnabled(h, 2),
  },

  // Supervisor (ch. 4)
  {
    number: Csr.sstatus,
    name: 'sstatus',
    read: (h) => h.csr.mstatus & SSTATUS_MASK,
    write: (h, v) => writeMstatus(h, (h.csr.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK)),
  },
  {
    number: Csr.sie,
    name: 'sie',
    read: (h) => h.csr.mie & h.csr.mideleg,
    write: (h, v) => {
      const mask = h.csr.mideleg & S_INTERRUPTS;
      h.csr.mie = (h.csr.mie & ~mask) | (v & mask);
      h.interruptsChanged();
    },
  },
  {
    number: Csr.stvec,
    name: 'stvec',
    read: (h) => h.csr.stvec,
    write: (h, v) => {
      if (legalTvec(v)) h.csr.stvec = v;
    },
  },
  {
    number: Csr.scounteren,
    name: 'scounteren',
    read: (h) => h.csr.scounteren,
    write: (h, v) => {
      h.csr.scounteren = v;
    },
  },
  {
    number: Csr.senvcfg,
    name: 'senvcfg',
    read: (h) => h.csr.senvcfg,
    write: (h, v) => {
      h.csr.senvcfg = v & 1; // FIOM; the cache-block fields need Zicbo*, not implemented
    },
  },
  {
    number: Csr.sscratch,
    name: 'sscratch',
    read: (h) => h.csr.sscratch,
    write: (h, v) => {
      h.csr.sscratch = v;
    },
  },
  {
    number: Csr.sepc,
    name: 'sepc',
    read: (h) => h.csr.sepc,
    write: (h, v) => {
      h.csr.sepc = v & ~1; // IALIGN = 16 with C: only bit 0 is always zero (§4.1.7)
    },
  },
  {
    number: Csr.scause,
    name: 'scause',
    read: (h) => h.csr.scause,
    write: (h, v) => {
      h.csr.scause = v;
    },
  },
  {
    number: Csr.stval,
    name: 'stval',
    read: (h) => h.csr.stval,
    write: (h, v) => {
      h.csr.stval = v;
    },
  },
  {
    number: Csr.sip,
    name: 'sip',
    read: (h) => readMip(h) & h.csr.mideleg,
    write: (h, v) => {
      // Only SSIP is writable from S-mode, and only when delegated (§4.1.3).
      const mask = h.csr.mideleg & MIP_SSIP;
      h.csr.mipSoftware = (h.csr.mipSoftware & ~mask) | (v & mask);
      h.interruptsChanged();
    },
  },
  {
    number: Csr.satp,
    name: 'satp',
    read: (h) => h.csr.satp,
    write: (h, v) => {
      // Sv32: MODE, 9-bit ASID and PPN are all writable (§4.1.11).
      if (v !== h.csr.satp) {
        h.csr.satp = v;
        h.translationChanged();
      }
    },
    // mstatus.TVM traps S-mode satp accesses (§3.1.6.5).
    allowed: (h) => h.priv === PRIV_M || (h.csr.mstatus & MSTATUS_TVM) === 0,
  },

  // Machine information (§3.1.2–3.1.5, §3.1.17): read-only by their numbers.
  { number: Csr.mvendorid, name: 'mvendorid', read: zero },
  { number: Csr.marchid, name: 'marchid', read: zero },
  { number: Csr.mimpid, name: 'mimpid', read: zero },
  { number: Csr.mhartid, name: 'mhartid', read: (h) => h.hartId },
  { number: Csr.mconfigptr, name: 'mconfigptr', read: zero },

  // Machine trap setup
  { number: Csr.mstatus, name: 'mstatus', read: (h) => h.csr.mstatus, write: writeMstatus },
  { number: Csr.misa, name: 'misa', read: () => MISA, write: ignore },
  {
    number: Csr.medeleg,
    name: 'medeleg',
    read: (h) => h.csr.medeleg,
    write: (h, v) => {
      h.csr.medeleg = v & DELEGABLE_EXCEPTIONS;
    },
  },
  {
    number: Csr.mideleg,
    name: 'mideleg',
    read: (h) => h.csr.mideleg,
    write: (h, v) => {
      h.csr.mideleg = v & S_INTERRUPTS;
      h.interruptsChanged();
    },
  },
  {
    number: Csr.mie,
    name: 'mie',
    read: (h) => h.csr.mie,
    write: (h, v) => {
      h.csr.mie = v & ALL_INTERRUPTS;
      h.interruptsChanged();
    },
  },
  {
    number: Csr.mtvec,
    name: 'mtvec',
    read: (h) => h.csr.mtvec,
    write: (h, v) => {
      if (legalTvec(v)) h.csr.mtvec = v;
    },
  },
  {
    number: Csr.mcounteren,
    name: 'mcounteren',
    read: (h) => h.csr.mcounteren,
    write: (h, v) => {
      h.csr.mcounteren = v;
    },
  },
  // mstatush holds MBE/SBE only: little-endian, read-only zero.
  { number: Csr.mstatush, name: 'mstatush', read: zero, write: ignore },
  {
    number: Csr.menvcfg,
    name: 'menvcfg',
    read: (h) => h.csr.menvcfg,
    write: (h, v) => {
      h.csr.menvcfg = v & 1; // FIOM
    },
  },
  // STCE/PBMTE need Sstc/Svpbmt, not implemented.
  { number: Csr.menvcfgh, name: 'menvcfgh', read: zero, write: ignore },
  {
    number: Csr.mcountinhibit,
    name: 'mcountinhibit',
    read: (h) => h.csr.mcountinhibit,
    write: (h, v) => {
      h.csr.mcountinhibit = v & ~2; // bit 1 (time) is read-only zero (§3.1.12)
    },
  },

  // Machine trap handling
  {
    number: Csr.mscratch,
    name: 'mscratch',
    read: (h) => h.csr.mscratch,
    write: (h, v) => {
      h.csr.mscratch = v;
    },
  },
  {
    number: Csr.mepc,
    name: 'mepc',
    read: (h) => h.csr.mepc,
    write: (h, v) => {
      h.csr.mepc = v & ~1; // §3.1.14: mepc[0] is always zero
    },
  },
  {
    number: Csr.mcause,
    name: 'mcause',
    read: (h) => h.csr.mcause,
    write: (h, v) => {
      h.csr.mcause = v;
    },
  },
  {
    number: Csr.mtval,
    name: 'mtval',
    read: (h) => h.csr.mtval,
    write: (h, v) => {
      h.csr.mtval = v;
    },
  },
  {
    number: Csr.mip,
    name: 'mip',
    read: readMip,
    write: (h, v) => {
      // SSIP, STIP and SEIP are writable by M-mode; MSIP/MTIP/MEIP come from the platform.
      h.csr.mipSoftware = (h.csr.mipSoftware & ~S_INTERRUPTS) | (v & S_INTERRUPTS);
      h.interruptsChanged();
    },
    // A CSRRS/CSRRC of mip modifies the software SEIP bit, not the OR with the line (§3.1.9).
    readForUpdate: (h) => h.csr.mipSoftware | (h.interruptLines & ~S_INTERRUPTS),
  },

  // Machine counters (§3.1.10): writable; the write replaces this instruction's increment.
  {
    number: Csr.mcycle,
    name: 'mcycle',
    read: (h) => low(cycles(h)),
    write: (h, v) => setCycles(h, withLow(cycles(h) + h.instretBias, v)),
  },
  {
    number: Csr.mcycleh,
    name: 'mcycleh',
    read: (h) => high(cycles(h)),
    write: (h, v) => setCycles(h, withHigh(cycles(h) + h.instretBias, v)),
  },
  {
    number: Csr.minstret,
    name: 'minstret',
    read: (h) => low(h.instret),
    write: (h, v) => setInstret(h, withLow(h.instret + h.instretBias, v)),
  },
  {
    number: Csr.minstreth,
    name: 'minstreth',
    read: (h) => high(h.instret),
    write: (h, v) => setInstret(h, withHigh(h.instret + h.instretBias, v)),
  },
];

// hpmcounter3–31 and their machine twins and event selectors: implemented as
// read-only zero, which §3.1.10 allows (mhpm* writes are accepted and dropped).
for (let i = 3; i <= 31; i++) {
  const hpm = (h: CsrHost): boolean => counterEnabled(h, i);
  rows.push(
    { number: Csr.hpmcounter3 + i - 3, name: `hpmcounter${i}`, read: zero, allowed: hpm },
    { number: Csr.hpmcounter3h + i - 3, name: `hpmcounter${i}h`, read: zero, allowed: hpm },
    { number: Csr.mhpmcounter3 + i - 3, name: `mhpmcounter${i}`, read: zero, write: ignore },
    { number: Csr.mhpmcounter3h + i - 3, name: `mhpmcounter${i}h`, read: zero, write: ignore },
    { number: Csr.mhpmevent3 + i - 3, name: `mhpmevent${i}`, read: zero, write: ignore },
  );
}

// PMP (§3.7): 16 entries, WARL storage without enforcement.
for (let i = 0; i < PMP_CFG_REGISTERS; i++) {
  rows.push({
    number: Csr.pmpcfg0 + i,
    name: `pmpcfg${i}`,
    read: (h) => h.csr.pmpcfg[i] ?? 0,
    write: (h, v) => writePmpcfg(h, i, v),
  });
}
for (let i = 0; i < PMP_ENTRIES; i++) {
  rows.push({
    number: Csr.pmpaddr0 + i,
    name: `pmpaddr${i}`,
    read: (h) => h.csr.pmpaddr[i] ?? 0,
    write: (h, v) => writePmpaddr(h, i, v),
  });
}

/** Every implemented CSR, by number (a dense array: the number is 12 bits). */
export const CSR_TABLE: readonly (CsrSpec | undefined)[] = (() => {
  const table = new Array<CsrSpec | undefined>(4096).fill(undefined);
  for (const row of rows) {
    if (table[row.number] !== undefined) throw new Error(`duplicate CSR ${row.name}`);
    table[row.number] = row;
  }
  return table;
})();

/** CSRs whose number encodes read-only (csr[11:10] = 3, §2.1). */
export function isReadOnlyCsr(number: number): boolean {
  return number >>> 10 === 3;
}

/**
 * Whether the current mode may perform this access (§2.1): the lowest privilege is
 * csr[9:8]; writing a read-only CSR, or failing the CSR's own rule, is illegal.
 */
export function csrAccessAllowed(h: CsrHost, spec: CsrSpec, write: boolean): boolean {
  if (((spec.number >>> 8) & 3) > h.priv) return false;
  if (write && (isReadOnlyCsr(spec.number) || spec.write === undefined)) return false;
  return spec.allowed === undefined || spec.allowed(h);
}
