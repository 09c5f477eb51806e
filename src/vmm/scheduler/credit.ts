/**
 * Xen's credit scheduler (credit1, xen/common/sched/credit.c), in virtual time.
 *
 * - Each domain has a weight (default 256, 1–65535) and a cap (% of one
 *   physical CPU, 0 = uncapped).
 * - Every accounting period (30 ms) the credit of all physical CPUs for that
 *   period (10 credits per ms per pCPU) is shared among the active domains in
 *   proportion to weight, and within a domain among its active vCPUs.
 * - A running vCPU burns 10 credits per ms. Priorities: BOOST (just woke from a
 *   block while UNDER) > UNDER (credit ≥ 0) > OVER (credit < 0) > IDLE.
 * - A vCPU runs for a 30 ms time slice unless a better-priority vCPU is waiting
 *   at a 10 ms tick; BOOST lasts until the vCPU has run for one tick.
 * - A capped domain that has used its cap for the period is parked until the
 *   next accounting. Blocked vCPUs are never picked; with nothing runnable the
 *   pCPU idles.
 *
 * Credits are kept in nanoseconds of CPU time (1 credit = 100 µs), so all the
 * arithmetic is on integers and replays exactly.
 */

export const NS_PER_MS = 1_000_000;
export const NS_PER_CREDIT = 100_000; // 10 credits per ms
export const DEFAULT_WEIGHT = 256;
export const MAX_WEIGHT = 65535;

export const Priority = { Boost: 0, Under: 1, Over: 2, Idle: 3 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

export interface SchedParams {
  weight: number;
  /** Percent of one pCPU; 0 = no cap. */
  cap: number;
}

export interface CreditSchedulerOptions {
  pcpus: number;
  tickNs?: number;
  sliceNs?: number;
  periodNs?: number;
}

export class SchedVcpu {
  /** Credit in ns of CPU time. */
  credit = 0;
  runnable: boolean;
  boosted = false;
  /** pCPU it is running on, or −1. */
  pcpu = -1;
  /** Position in its priority class (FIFO). */
  seq = 0;
  /** Total virtual ns run, and how many times it was picked. */
  runNs = 0;
  slices = 0;
  /** Ran during the current accounting period (counts as active). */
  activeThisPeriod = false;
  /** ns run since it was boosted. */
  boostRunNs = 0;

  constructor(
    readonly dom: SchedDomain,
    readonly vcpuId: number,
    runnable: boolean,
  ) {
    this.runnable = runnable;
  }

  get priority(): Priority {
    if (this.boosted) return Priority.Boost;
    return this.credit >= 0 ? Priority.Under : Priority.Over;
  }

  get credits(): number {
    return Math.trunc(this.credit / NS_PER_CREDIT);
  }
}

export class SchedDomain {
  readonly vcpus: SchedVcpu[] = [];
  /** CPU time used in the current accounting period (for the cap). */
  periodNs = 0;
  constructor(
    readonly domid: number,
    public params: SchedParams,
  ) {}

  /** The cap in ns per period, or Infinity. */
  capNs(periodNs: number): number {
    return this.params.cap > 0 ? Math.floor((periodNs * this.params.cap) / 100) : Infinity;
  }
}

export interface Pick {
  vcpu: SchedVcpu;
  /** Longest the vCPU may run before the scheduler wants control back. */
  budgetNs: number;
}

interface PcpuState {
  current: SchedVcpu | null;
  sliceEnd: number;
}

export function validateSchedParams(p: SchedParams, pcpus: number): void {
  if (!Number.isInteger(p.weight) || p.weight < 1 || p.weight > MAX_WEIGHT) {
    throw new RangeError(`weight must be an integer 1–${MAX_WEIGHT}, got ${p.weight}`);
  }
  if (!Number.isInteger(p.cap) || p.cap < 0 || p.cap > 100 * pcpus) {
    throw new RangeError(`cap must be an integer 0–${100 * pcpus} (% of one CPU), got ${p.cap}`);
  }
}

export class CreditScheduler {
  readonly pcpus: number;
  readonly tickNs: number;
  readonly sliceNs: number;
  readonly periodNs: number;
  private readonly domains = new Map<number, SchedDomain>();
  private readonly cpus: PcpuState[];
  private seq = 0;
  /** Start of the current accounting period. */
  private periodStart = 0;

  constructor(opts: CreditSchedulerOptions) {
    if (!Number.isInteger(opts.pcpus) || opts.pcpus < 1)
      throw new RangeError('need at least one pCPU');
    this.pcpus = opts.pcpus;
    this.tickNs = opts.tickNs ?? 10 * NS_PER_MS;
    this.sliceNs = opts.sliceNs ?? 30 * NS_PER_MS;
    this.periodNs = opts.periodNs ?? 30 * NS_PER_MS;
    this.cpus = Array.from({ length: this.pcpus }, () => ({ current: null, sliceEnd: 0 }));
  }

  addDomain(domid: number, params: SchedParams): SchedDomain {
    validateSchedParams(params, this.pcpus);
    const d = new SchedDomain(domid, { ...params });
    this.domains.set(domid, d);
    return d;
  }

  domain(domid: number): SchedDomain | undefined {
    return this.domains.get(domid);
  }

  setParams(domid: number, params: SchedParams): void {
    validateSchedParams(params, this.pcpus);
    const d = this.domains.get(domid);
    if (!d) throw new RangeError(`no domain ${domid} in the scheduler`);
    d.params = { ...params };
  }

  removeDomain(domid: number): void {
    const d = this.domains.get(domid);
    if (!d) return;
    for (const v of d.vcpus) this.block(v);
    this.domains.delete(domid);
  }

  addVcpu(d: SchedDomain, vcpuId: number, runnable: boolean): SchedVcpu {
    const v = new SchedVcpu(d, vcpuId, runnable);
    v.seq = this.seq++;
    d.vcpus.push(v);
    return v;
  }

  /** A vCPU becomes runnable. Waking from a block while UNDER earns BOOST (csched_vcpu_wake). */
  wake(v: SchedVcpu): void {
    if (v.runnable) return;
    v.runnable = true;
    v.seq = this.seq++;
    if (v.credit >= 0) {
      v.boosted = true;
      v.boostRunNs = 0;
    }
  }

  /** A vCPU blocks (WFI, SCHEDOP_block, HSM stop) or its domain is paused. */
  block(v: SchedVcpu): void {
    v.runnable = false;
    v.boosted = false;
    if (v.pcpu >= 0) {
      const cpu = this.cpus[v.pcpu] as PcpuState;
      if (cpu.current === v) cpu.current = null;
      v.pcpu = -1;
    }
  }

  /** SCHEDOP_yield: give up the rest of the slice (back of its priority class). */
  yield(v: SchedVcpu): void {
    v.boosted = false;
    if (v.pcpu >= 0) {
      const cpu = this.cpus[v.pcpu] as PcpuState;
      if (cpu.current === v) cpu.current = null;
      v.pcpu = -1;
    }
    v.seq = this.seq++;
  }

  private parked(v: SchedVcpu): boolean {
    return v.dom.periodNs >= v.dom.capNs(this.periodNs);
  }

  private eligible(v: SchedVcpu, pcpu: number): boolean {
    return v.runnable && (v.pcpu < 0 || v.pcpu === pcpu) && !this.parked(v);
  }

  /** Best waiting vCPU: priority, then FIFO. */
  private best(pcpu: number, except: SchedVcpu | null): SchedVcpu | null {
    let best: SchedVcpu | null = null;
    for (const d of this.domains.values()) {
      for (const v of d.vcpus) {
        if (v === except || !this.eligible(v, pcpu) || v.pcpu === pcpu) continue;
        if (
          !best ||
          v.priority < best.priority ||
          (v.priority === best.priority && v.seq < best.seq)
        )
          best = v;
      }
    }
    return best;
  }

  /** Run the accounting periods that have ended by `now` (csched_acct). */
  advanceTo(now: number): void {
    while (now >= this.periodStart + this.periodNs) {
      this.periodStart += this.periodNs;
      this.account();
    }
  }

  /** Start of the next accounting period: the scheduler must get control then. */
  get nextAccounting(): number {
    return this.periodStart + this.periodNs;
  }

  private account(): void {
    const total = this.periodNs * this.pcpus;
    const active: SchedDomain[] = [];
    let weightSum = 0;
    for (const d of this.domains.values()) {
      const vs = d.vcpus.filter((v) => v.runnable || v.activeThisPeriod);
      if (vs.length === 0) continue;
      active.push(d);
      weightSum += d.params.weight;
    }
    for (const d of active) {
      const vs = d.vcpus.filter((v) => v.runnable || v.activeThisPeriod);
      let share = Math.floor((total * d.params.weight) / weightSum);
      share = Math.min(share, d.capNs(this.periodNs));
      const each = Math.floor(share / vs.length);
      for (const v of vs) {
        // Upper clamp as csched_acct: an idle-ish vCPU does not hoard more than a slice.
        v.credit = Math.min(v.credit + each, this.sliceNs);
      }
    }
    for (const d of this.domains.values()) {
      d.periodNs = 0;
      for (const v of d.vcpus) v.activeThisPeriod = false;
    }
  }

  /**
   * What pCPU `pcpu` should run at `now`, and for how long at most; null = idle.
   * Keeps the current vCPU until its slice ends or a better-priority one waits.
   */
  pick(pcpu: number, now: number): Pick | null {
    this.advanceTo(now);
    const cpu = this.cpus[pcpu] as PcpuState;
    let v = cpu.current;
    if (v && (!this.eligible(v, pcpu) || now >= cpu.sliceEnd)) {
      this.deschedule(cpu);
      v = null;
    }
    if (v) {
      const rival = this.best(pcpu, v);
      if (rival && rival.priority < v.priority) {
        this.deschedule(cpu);
        v = null;
      }
    }
    if (!v) {
      v = this.best(pcpu, null);
      if (!v) return null;
      cpu.current = v;
      cpu.sliceEnd = now + this.sliceNs;
      v.pcpu = pcpu;
      v.slices++;
    }
    const nextTick = (Math.floor(now / this.tickNs) + 1) * this.tickNs;
    const budgetNs = Math.min(cpu.sliceEnd, nextTick, this.nextAccounting) - now;
    const capLeft = v.dom.capNs(this.periodNs) - v.dom.periodNs;
    return { vcpu: v, budgetNs: Math.max(1, Math.min(budgetNs, capLeft)) };
  }

  private deschedule(cpu: PcpuState): void {
    const v = cpu.current;
    if (!v) return;
    cpu.current = null;
    v.pcpu = -1;
    v.seq = this.seq++; // to the back of its priority class
  }

  /** Charge `ns` of CPU time to `v` (burn credits; BOOST ends after a tick of running). */
  charge(v: SchedVcpu, ns: number): void {
    if (ns <= 0) return;
    v.credit -= ns;
    v.runNs += ns;
    v.dom.periodNs += ns;
    v.activeThisPeriod = true;
    if (v.boosted) {
      v.boostRunNs += ns;
      if (v.boostRunNs >= this.tickNs) v.boosted = false;
    }
  }

  /** Is anything runnable (and not parked) right now? */
  hasRunnable(): boolean {
    for (const d of this.domains.values())
      for (const v of d.vcpus) if (v.runnable && !this.parked(v)) return true;
    return false;
  }

  /** Is anything runnable at all, parked or not (parked vCPUs run again at the next accounting)? */
  hasRunnableOrParked(): boolean {
    for (const d of this.domains.values()) for (const v of d.vcpus) if (v.runnable) return true;
    return false;
  }

  saveVcpu(v: SchedVcpu): { credit: number; runNs: number; slices: number } {
    return { credit: v.credit, runNs: v.runNs, slices: v.slices };
  }
}
