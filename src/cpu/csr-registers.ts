/**
 * The storage behind the CSRs that hold state (privileged spec 1.12 ch. 3–4). Values
 * are kept as signed 32-bit integers. Views (sstatus, sie, sip), constants (misa,
 * mhartid) and counters derived from `instret` have no field of their own.
 */
export interface CsrRegisters {
  mstatus: number;
  medeleg: number;
  mideleg: number;
  mie: number;
  /** The software-writable mip bits (SSIP, STIP, SEIP); platform lines are kept apart. */
  mipSoftware: number;
  mtvec: number;
  stvec: number;
  mscratch: number;
  sscratch: number;
  mepc: number;
  sepc: number;
  mcause: number;
  scause: number;
  mtval: number;
  stval: number;
  satp: number;
  mcounteren: number;
  scounteren: number;
  mcountinhibit: number;
  menvcfg: number;
  senvcfg: number;
  /** mcycle = instret + cycleOffset (cycle counts retired instructions, deterministically). */
  cycleOffset: number;
  pmpcfg: number[];
  pmpaddr: number[];
}

export const PMP_CFG_REGISTERS = 4;
export const PMP_ENTRIES = 16;

/** Reset values (§3.4): everything zero; mstatus.MIE = MPRV = 0. */
export function resetCsrRegisters(): CsrRegisters {
  return {
    mstatus: 0,
    medeleg: 0,
    mideleg: 0,
    mie: 0,
    mipSoftware: 0,
    mtvec: 0,
    stvec: 0,
    mscratch: 0,
    sscratch: 0,
    mepc: 0,
    sepc: 0,
    mcause: 0,
    scause: 0,
    mtval: 0,
    stval: 0,
    satp: 0,
    mcounteren: 0,
    scounteren: 0,
    mcountinhibit: 0,
    menvcfg: 0,
    senvcfg: 0,
    cycleOffset: 0,
    pmpcfg: new Array<number>(PMP_CFG_REGISTERS).fill(0),
    pmpaddr: new Array<number>(PMP_ENTRIES).fill(0),
  };
}
