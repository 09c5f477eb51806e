/**
 * What the desktop's I/O path view and `xl top` see of guest disk traffic:
 * a bounded trace of the most recent requests, each with its translation
 * (guest sector → host LBA and byte offset) and the time it reached each
 * hop, and per-domain VBD counters with xentop's meanings (VBD_RD / VBD_WR
 * requests, VBD_RSECT / VBD_WSECT sectors, VBD_OO times the back end ran
 * out of request slots).
 */

export type IoPath = 'hvm' | 'pv';
export type IoOp = 'read' | 'write' | 'flush';
export type IoStatus =
  | 'pending'
  | 'ok'
  /** Beyond the guest's disk: refused, nothing read or written. */
  | 'out-of-range'
  /** A write to a read-only disk: refused. */
  | 'readonly'
  /** The host disk failed (quota, backend error). */
  | 'io-error'
  /** The guest's request was malformed (a bad grant, a bad segment): refused. */
  | 'bad-request';

export interface IoHop {
  /** "command", "data-out", "notify", "ring", "grants-mapped", "host-submit", "host-done", "complete"… */
  readonly name: string;
  /** ms on the monitor's clock (performance.now by default). */
  readonly t: number;
}

export interface IoRecord {
  readonly seq: number;
  readonly domid: number;
  readonly vdev: string;
  readonly devid: number;
  readonly path: IoPath;
  readonly op: IoOp;
  readonly guestSector: number;
  readonly sectors: number;
  readonly bytes: number;
  /** What backs the guest disk: "/dev/sda2" or "file:/path". */
  readonly backing: string;
  /** Sector on the backing device (the host disk for phy: targets), null when refused. */
  readonly hostLba: number | null;
  /** hostLba × 512: the absolute offset on the backing device. */
  readonly hostByteOffset: number | null;
  status: IoStatus;
  error?: string;
  /** HVM: VM exits (trapped port accesses) the command took. */
  exits: number;
  /** PV: guest hypercalls (event-channel notifications) attributed to the request. */
  hypercalls: number;
  /** PV: grant map + unmap operations the back end performed. */
  grantOps: number;
  /**
   * The domain's VMM exit numbers (ExitEvent.seq) of the first and last exit
   * the request took: HVM, its trapped port accesses; PV, the notify
   * hypercalls charged to it. Null where no exit clock is known.
   */
  firstExit: number | null;
  lastExit: number | null;
  /**
   * The newest few of those exits as the VMM's trace had them when the
   * request was charged with them (the trace moves on; the record keeps them).
   */
  exitSample: readonly ExitSample[];
  readonly hops: IoHop[];
}

/** One VM exit as the VMM's trace recorded it (ExitEvent). */
export interface ExitSample {
  readonly seq: number;
  /** ns, virtual in deterministic mode. */
  readonly time: number;
  readonly reason: string;
  readonly detail: number;
}

/** Exits kept on each record. */
export const EXIT_SAMPLE_SIZE = 5;

export interface VbdCounters {
  /** VBD_RD: read requests. */
  rd: number;
  /** VBD_WR: write requests. */
  wr: number;
  /** VBD_RSECT: sectors read. */
  rsect: number;
  /** VBD_WSECT: sectors written. */
  wsect: number;
  /** VBD_OO: requests held back because the back end was out of request slots. */
  oo: number;
  flushes: number;
  /** Requests refused or failed (out of range, read-only, host errors, malformed). */
  errors: number;
}

export interface VbdInfo extends VbdCounters {
  readonly domid: number;
  readonly devid: number;
  readonly vdev: string;
  readonly path: IoPath;
}

/** A domain's row in xentop (tools/xenstat/xentop/xentop.c field names). */
export interface VbdTotals {
  VBDS: number;
  VBD_OO: number;
  VBD_RD: number;
  VBD_WR: number;
  VBD_RSECT: number;
  VBD_WSECT: number;
}

export interface DiskIoMonitorOptions {
  /** Requests kept in the trace (default 512). */
  capacity?: number;
  /** Clock for hop times, ms (default performance.now). */
  now?: () => number;
  /** A domain's latest VMM exit number (Vmm.exitSeq), to name the exits a request took. */
  exitClock?: (domid: number) => number;
  /** The newest `limit` of a domain's exits first…last still in the VMM's trace (Vmm.exitsBetween). */
  exitSampler?: (domid: number, first: number, last: number, limit: number) => ExitSample[];
}

export type IoRecordInit = Omit<
  IoRecord,
  | 'seq'
  | 'status'
  | 'exits'
  | 'hypercalls'
  | 'grantOps'
  | 'hops'
  | 'error'
  | 'firstExit'
  | 'lastExit'
  | 'exitSample'
> & {
  exits?: number;
  hypercalls?: number;
  grantOps?: number;
  firstExit?: number | null;
  lastExit?: number | null;
};

const zero = (): VbdCounters => ({
  rd: 0,
  wr: 0,
  rsect: 0,
  wsect: 0,
  oo: 0,
  flushes: 0,
  errors: 0,
});

export class DiskIoMonitor {
  readonly capacity: number;
  readonly now: () => number;
  private readonly ring: (IoRecord | undefined)[];
  private head = 0;
  private seq = 0;
  private readonly vbds = new Map<string, VbdInfo>();
  private listeners: ((r: IoRecord) => void)[] = [];
  /** Set by the toolstack once the VMM is known (Vmm.exitSeq). */
  exitClock: ((domid: number) => number) | null;
  exitSampler: DiskIoMonitorOptions['exitSampler'] | null;

  constructor(opts: DiskIoMonitorOptions = {}) {
    this.capacity = opts.capacity ?? 512;
    this.now = opts.now ?? (() => performance.now());
    this.exitClock = opts.exitClock ?? null;
    this.exitSampler = opts.exitSampler ?? null;
    this.ring = new Array<IoRecord | undefined>(this.capacity);
  }

  private key(domid: number, devid: number): string {
    return `${domid}/${devid}`;
  }

  /** A guest disk came into being: it shows in VBDS from now on. */
  registerVbd(domid: number, devid: number, vdev: string, path: IoPath): void {
    const k = this.key(domid, devid);
    if (!this.vbds.has(k)) this.vbds.set(k, { domid, devid, vdev, path, ...zero() });
  }

  /** The domain is gone: forget its devices. */
  forgetDomain(domid: number): void {
    for (const [k, v] of this.vbds) if (v.domid === domid) this.vbds.delete(k);
  }

  private vbd(domid: number, devid: number): VbdInfo | undefined {
    return this.vbds.get(this.key(domid, devid));
  }

  /** Starts a record (and puts it in the trace). */
  begin(init: IoRecordInit, firstHop: string): IoRecord {
    const rec: IoRecord = {
      ...init,
      seq: ++this.seq,
      status: 'pending',
      exits: init.exits ?? 0,
      hypercalls: init.hypercalls ?? 0,
      grantOps: init.grantOps ?? 0,
      firstExit: null,
      lastExit: null,
      exitSample: [],
      hops: [{ name: firstHop, t: this.now() }],
    };
    if (init.firstExit != null && init.lastExit != null)
      this.linkExits(rec, init.firstExit, init.lastExit);
    if (this.capacity > 0) {
      this.ring[this.head] = rec;
      this.head = (this.head + 1) % this.capacity;
    }
    return rec;
  }

  /** Charges the request with the exits numbered first…last, keeping the newest of them. */
  linkExits(rec: IoRecord, first: number | null, last: number | null): void {
    rec.firstExit = first;
    rec.lastExit = last;
    rec.exitSample =
      first !== null && last !== null && this.exitSampler
        ? this.exitSampler(rec.domid, first, last, EXIT_SAMPLE_SIZE).map(
            ({ seq, time, reason, detail }) => ({ seq, time, reason, detail }),
          )
        : [];
  }

  /** The domain's latest exit number, or null without an exit clock. */
  currentExit(domid: number): number | null {
    return this.exitClock ? this.exitClock(domid) : null;
  }

  hop(rec: IoRecord, name: string): void {
    rec.hops.push({ name, t: this.now() });
  }

  /** Counts an admitted request in the VBD counters. */
  admitted(rec: IoRecord): void {
    const c = this.vbd(rec.domid, rec.devid);
    if (!c) return;
    if (rec.op === 'read') {
      c.rd++;
      c.rsect += rec.sectors;
    } else if (rec.op === 'write') {
      c.wr++;
      c.wsect += rec.sectors;
    } else {
      c.flushes++;
    }
  }

  finish(rec: IoRecord, status: Exclude<IoStatus, 'pending'>, error?: string): void {
    rec.status = status;
    if (error !== undefined) rec.error = error;
    if (status !== 'ok') {
      const c = this.vbd(rec.domid, rec.devid);
      if (c) c.errors++;
    }
    for (const l of this.listeners) l(rec);
  }

  /** A malformed request that never became a record (bad segments, bad grant): an error. */
  countError(domid: number, devid: number): void {
    const c = this.vbd(domid, devid);
    if (c) c.errors++;
  }

  countOutOfRequests(domid: number, devid: number): void {
    const c = this.vbd(domid, devid);
    if (c) c.oo++;
  }

  /** Called with each request as it finishes. */
  onRecord(listener: (r: IoRecord) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Recent requests, oldest first: optionally one domain's, only those after
   * sequence number `afterSeq` (for views that poll for what is new), at most
   * the last `limit`.
   */
  trace(filter: { domid?: number; afterSeq?: number; limit?: number } = {}): IoRecord[] {
    const out: IoRecord[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const r = this.ring[(this.head + i) % this.capacity];
      if (!r) continue;
      if (filter.domid !== undefined && r.domid !== filter.domid) continue;
      if (filter.afterSeq !== undefined && r.seq <= filter.afterSeq) continue;
      out.push(r);
    }
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  /** Per-device counters of a domain (or of all domains). */
  devices(domid?: number): VbdInfo[] {
    return [...this.vbds.values()]
      .filter((v) => domid === undefined || v.domid === domid)
      .sort((a, b) => a.domid - b.domid || a.devid - b.devid)
      .map((v) => ({ ...v }));
  }

  /** xentop's VBD columns for a domain. */
  totals(domid: number): VbdTotals {
    const t: VbdTotals = { VBDS: 0, VBD_OO: 0, VBD_RD: 0, VBD_WR: 0, VBD_RSECT: 0, VBD_WSECT: 0 };
    for (const v of this.vbds.values()) {
      if (v.domid !== domid) continue;
      t.VBDS++;
      t.VBD_OO += v.oo;
      t.VBD_RD += v.rd;
      t.VBD_WR += v.wr;
      t.VBD_RSECT += v.rsect;
      t.VBD_WSECT += v.wsect;
    }
    return t;
  }
}
