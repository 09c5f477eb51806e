/** Synchronous exception codes (mcause with Interrupt = 0) — privileged spec 1.12, Table 3.6. */
export const Exception = {
  InstructionAddressMisaligned: 0,
  InstructionAccessFault: 1,
  IllegalInstruction: 2,
  Breakpoint: 3,
  LoadAddressMisaligned: 4,
  LoadAccessFault: 5,
  StoreAddressMisaligned: 6,
  StoreAccessFault: 7,
  EcallFromU: 8,
  EcallFromS: 9,
  EcallFromM: 11,
  InstructionPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;

/**
 * medeleg bits that can be set. medeleg[11] (ecall from M) is read-only zero (§3.1.8);
 * code 10 and 14 are reserved. QEMU 7.2 also lets bits 10, 11 and the H-extension
 * guest-fault bits 20–23 be written, with no effect on behaviour.
 */
export const DELEGABLE_EXCEPTIONS = 0xb3ff;

/** Interrupt bit of mcause/scause on RV32. */
export const CAUSE_INTERRUPT = 0x80000000;
