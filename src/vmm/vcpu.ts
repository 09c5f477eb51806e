import { Hart, Priv } from '../cpu/hart';
import type { HartState } from '../cpu/hart';
import type { Bus } from '../cpu/bus';
import { Csr } from '../cpu/csr-numbers';
import { DELEGABLE_EXCEPTIONS, Exception } from '../cpu/exceptions';
import { MIP_SSIP, S_INTERRUPTS } from '../cpu/interrupts';
import { MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SUM } from '../cpu/status-bits';
import { HsmState } from './abi/sbi';
import type { TranslationContext } from './guest-memory';
import type { SchedVcpu } from './scheduler/credit';

/** Why a vCPU is not runnable. */
export type BlockReason = 'wfi' | 'sched-block' | 'poll' | 'hsm-stopped' | 'hsm-suspended';

/** Interrupt line numbers the VMM drives (mip bit positions, privileged spec 3.1.9). */
export const IRQ_STIP = 5;
export const IRQ_SEIP = 9;

/** mcounteren: cycle, time and instret readable from S-mode (privileged spec 3.1.11). */
const MCOUNTEREN_CY_TM_IR = 0x7;

/**
 * Exceptions the guest kernel handles itself — everything except an S-mode
 * ecall, which is the SBI call the VMM answers (as OpenSBI configures medeleg).
 */
export const GUEST_MEDELEG =
  DELEGABLE_EXCEPTIONS & ~(1 << Exception.EcallFromS) & ~(1 << Exception.EcallFromM);

export interface VcpuState {
  hart: HartState;
  hsm: HsmState;
  block: BlockReason | null;
  timerCmp: number | null;
  timerFired: boolean;
  pollPorts: number[];
  pollDeadlineNs: number | null;
  resume: { addr: number; opaque: number } | null;
  sched: { credit: number; runNs: number; slices: number };
}

/**
 * A virtual CPU: a hart that runs in S-mode with the VMM as its M-mode
 * firmware (the machine trap hook), plus the SBI-visible state around it.
 */
export class Vcpu {
  readonly hart: Hart;
  hsm: HsmState;
  block: BlockReason | null;
  /** SBI set_timer compare value in guest mtime ticks (null: none). */
  timerCmp: number | null = null;
  /** STIP / VIRQ_TIMER already delivered for the current compare value. */
  timerFired = false;
  /** sched_op(poll): ports waited on and absolute deadline (host ns). */
  pollPorts: number[] = [];
  pollDeadlineNs: number | null = null;
  /** Non-retentive HSM suspend: where to resume. */
  resume: { addr: number; opaque: number } | null = null;

  // The current run chunk, for guest time and exit timestamps.
  chunkStartNs = 0;
  chunkStartInstret = 0;
  chunkExits = 0;
  /** The VMM stopped the hart (blocking call, shutdown) during this chunk. */
  stoppedByVmm = false;

  constructor(
    readonly id: number,
    bus: Bus,
    readTime: () => number,
    readonly sched: SchedVcpu,
    started: boolean,
  ) {
    this.hart = new Hart({ bus, hartId: id, readTime });
    this.hsm = started ? HsmState.Started : HsmState.Stopped;
    this.block = started ? null : 'hsm-stopped';
    this.configureFirmware();
  }

  /** M-mode setup an SBI firmware does before entering S-mode. */
  private configureFirmware(): void {
    const h = this.hart;
    h.writeCsr(Csr.medeleg, GUEST_MEDELEG);
    h.writeCsr(Csr.mideleg, S_INTERRUPTS);
    h.writeCsr(Csr.mcounteren, MCOUNTEREN_CY_TM_IR);
  }

  /** Enter S-mode at `pc` with a0 = hart id, a1 = `a1`: boot, HSM start and non-retentive resume (SBI §9.1). */
  enter(pc: number, a1: number, a2 = 0): void {
    const h = this.hart;
    h.x.fill(0);
    h.x[10] = this.id;
    h.x[11] = a1 | 0;
    h.x[12] = a2 | 0;
    h.writeCsr(Csr.satp, 0);
    h.writeCsr(Csr.mstatus, h.readCsr(Csr.mstatus) & ~MSTATUS_SIE);
    h.priv = Priv.S;
    h.pc = pc >>> 0;
    h.waitingForInterrupt = false;
  }

  /** How a hypercall sees memory: through this vCPU's satp and sstatus (SUM, MXR). */
  translation(): TranslationContext {
    const status = this.hart.readCsr(Csr.mstatus);
    return {
      satp: this.hart.readCsr(Csr.satp),
      sum: (status & MSTATUS_SUM) !== 0,
      mxr: (status & MSTATUS_MXR) !== 0,
    };
  }

  /** Interrupts pending and enabled in sie (what ends WFI or a suspend, SBI §9.4). */
  interruptPending(): boolean {
    return (this.hart.readCsr(Csr.mip) & this.hart.readCsr(Csr.mie) & S_INTERRUPTS) !== 0;
  }

  /** Raise or clear SSIP (SBI IPI): a software-writable bit the guest clears through sip. */
  setSoftwareInterrupt(on: boolean): void {
    const mip = this.hart.readCsr(Csr.mip);
    // Write back only the software bits; SEIP/STIP from lines must not latch into software SEIP.
    const soft = mip & MIP_SSIP;
    const next = on ? soft | MIP_SSIP : soft & ~MIP_SSIP;
    this.hart.writeCsr(Csr.mip, next);
  }

  /** sfence.vma on behalf of another hart (SBI RFENCE remote_sfence_vma*, §8.2–8.3). */
  flushTranslations(): void {
    this.hart.flushTlb();
  }

  saveState(): VcpuState {
    return {
      hart: this.hart.saveState(),
      hsm: this.hsm,
      block: this.block,
      timerCmp: this.timerCmp,
      timerFired: this.timerFired,
      pollPorts: [...this.pollPorts],
      pollDeadlineNs: this.pollDeadlineNs,
      resume: this.resume,
      sched: { credit: this.sched.credit, runNs: this.sched.runNs, slices: this.sched.slices },
    };
  }

  restoreState(s: VcpuState): void {
    this.hart.restoreState(s.hart);
    this.hsm = s.hsm;
    this.block = s.block;
    this.timerCmp = s.timerCmp;
    this.timerFired = s.timerFired;
    this.pollPorts = [...s.pollPorts];
    this.pollDeadlineNs = s.pollDeadlineNs;
    this.resume = s.resume;
    this.sched.credit = s.sched.credit;
    this.sched.runNs = s.sched.runNs;
    this.sched.slices = s.sched.slices;
  }
}
