/** Interrupt numbers (mip/mie bit positions, mcause codes) — privileged spec 1.12 §3.1.9, Table 3.6. */
export const Interrupt = {
  SupervisorSoftware: 1,
  MachineSoftware: 3,
  SupervisorTimer: 5,
  MachineTimer: 7,
  SupervisorExternal: 9,
  MachineExternal: 11,
} as const;

export const MIP_SSIP = 1 << Interrupt.SupervisorSoftware;
export const MIP_MSIP = 1 << Interrupt.MachineSoftware;
export const MIP_STIP = 1 << Interrupt.SupervisorTimer;
export const MIP_MTIP = 1 << Interrupt.MachineTimer;
export const MIP_SEIP = 1 << Interrupt.SupervisorExternal;
export const MIP_MEIP = 1 << Interrupt.MachineExternal;

/** Supervisor-level interrupts: the only ones mideleg can delegate (§3.1.8). */
export const S_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
/** Every interrupt this hart implements (the writable bits of mie). */
export const ALL_INTERRUPTS = S_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP;

/**
 * Decreasing priority for simultaneous interrupts (§3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
 * Interrupts for M-mode are considered before those delegated to S-mode.
 */
export const INTERRUPT_PRIORITY: readonly number[] = [
  Interrupt.MachineExternal,
  Interrupt.MachineSoftware,
  Interrupt.MachineTimer,
  Interrupt.SupervisorExternal,
  Interrupt.SupervisorSoftware,
  Interrupt.SupervisorTimer,
];

/** The highest-priority interrupt among the set bits of `pending`, or -1. */
export function highestPriorityInterrupt(pending: number): number {
  if (pending === 0) return -1;
  for (const irq of INTERRUPT_PRIORITY) if ((pending >>> irq) & 1) return irq;
  return -1;
}
