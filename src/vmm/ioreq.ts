import { ISA_IO_BASE, ISA_IO_SIZE } from './abi/platform';

/**
 * I/O request servers (Xen's ioreq servers, xen/include/public/hvm/ioreq.h):
 * the VM server claims MMIO or I/O-port ranges of a domain, and the VMM
 * forwards every guest access that falls in them to its handler and completes
 * the access with the handler's answer. Ports live in the ISA I/O window
 * (guest-physical ISA_IO_BASE + port), as DESIGN.md's board has it.
 */

export type IoreqType = 'mmio' | 'port';

export interface IoreqRange {
  type: IoreqType;
  /** Guest-physical address (mmio) or port number (port). */
  start: number;
  size: number;
}

/** The server's device model. `addr` is the guest-physical address or the port number. */
export interface IoreqHandler {
  read(addr: number, size: 1 | 2 | 4): number;
  write(addr: number, size: 1 | 2 | 4, value: number): void;
}

export interface IoreqServerSpec {
  /** Names the exits ("uart0" → "mmio:uart0"). */
  name: string;
  ranges: IoreqRange[];
  handler: IoreqHandler;
  /**
   * Every access needs the VM server promptly (a device whose work goes on
   * asynchronously, e.g. a disk controller): it ends the vCPU's time slice,
   * so the server runs before the guest continues — as a Xen vCPU waits for
   * its ioreq to complete. A handler may instead call Vmm.requestService()
   * only for the accesses that need it.
   */
  preempt?: boolean;
}

export interface IoreqServer {
  readonly id: number;
  readonly name: string;
  readonly ranges: readonly IoreqRange[];
  unregister(): void;
}

interface Claim {
  base: number; // guest-physical
  end: number; // exclusive
  server: IoreqServerEntry;
  type: IoreqType;
}

interface IoreqServerEntry {
  id: number;
  name: string;
  handler: IoreqHandler;
  preempt: boolean;
  mmioReason: string;
  portReason: string;
}

export class IoreqError extends Error {
  override name = 'IoreqError';
}

/** One domain's ioreq servers, decoded by guest-physical address. */
export class IoreqRegistry {
  private claims: Claim[] = [];
  private nextId = 1;
  private last: Claim | undefined;

  register(
    spec: IoreqServerSpec,
    overlapsFixed: (base: number, end: number) => string | null,
  ): IoreqServer {
    const entry: IoreqServerEntry = {
      id: this.nextId++,
      name: spec.name,
      handler: spec.handler,
      preempt: spec.preempt ?? false,
      mmioReason: `mmio:${spec.name}`,
      portReason: `port:${spec.name}`,
    };
    const claims: Claim[] = spec.ranges.map((r) => {
      if (!Number.isInteger(r.start) || !Number.isInteger(r.size) || r.size <= 0 || r.start < 0) {
        throw new IoreqError(`${spec.name}: bad range ${r.start}+${r.size}`);
      }
      if (r.type === 'port') {
        if (r.start + r.size > ISA_IO_SIZE)
          throw new IoreqError(
            `${spec.name}: port range beyond 0x${(ISA_IO_SIZE - 1).toString(16)}`,
          );
        return {
          base: ISA_IO_BASE + r.start,
          end: ISA_IO_BASE + r.start + r.size,
          server: entry,
          type: 'port',
        };
      }
      if (r.start + r.size > 0x1_0000_0000)
        throw new IoreqError(`${spec.name}: range beyond 4 GiB`);
      return { base: r.start, end: r.start + r.size, server: entry, type: 'mmio' };
    });
    for (const c of claims) {
      const fixed = c.type === 'mmio' ? overlapsFixed(c.base, c.end) : null;
      if (fixed)
        throw new IoreqError(`${spec.name}: range 0x${c.base.toString(16)} overlaps ${fixed}`);
      const clash = this.claims.find((o) => c.base < o.end && o.base < c.end);
      if (clash)
        throw new IoreqError(
          `${spec.name}: range 0x${c.base.toString(16)} overlaps ioreq server ${clash.server.name}`,
        );
    }
    this.claims.push(...claims);
    return {
      id: entry.id,
      name: entry.name,
      ranges: spec.ranges.map((r) => ({ ...r })),
      unregister: () => {
        this.claims = this.claims.filter((c) => c.server !== entry);
        this.last = undefined;
      },
    };
  }

  /** The claim covering [gpa, gpa + size), if any. */
  find(gpa: number, size: number): Claim | undefined {
    const last = this.last;
    if (last && gpa >= last.base && gpa + size <= last.end) return last;
    for (const c of this.claims) {
      if (gpa >= c.base && gpa + size <= c.end) {
        this.last = c;
        return c;
      }
    }
    return undefined;
  }

  /** Forward a read; returns the exit reason through `note`. */
  static read(c: Claim, gpa: number, size: 1 | 2 | 4): number {
    const addr = c.type === 'port' ? gpa - ISA_IO_BASE : gpa;
    return c.server.handler.read(addr, size);
  }

  static write(c: Claim, gpa: number, size: 1 | 2 | 4, value: number): void {
    const addr = c.type === 'port' ? gpa - ISA_IO_BASE : gpa;
    c.server.handler.write(addr, size, value);
  }

  static preempts(c: Claim): boolean {
    return c.server.preempt;
  }

  static serverName(c: Claim): string {
    return c.server.name;
  }

  static reason(c: Claim): string {
    return c.type === 'port' ? c.server.portReason : c.server.mmioReason;
  }

  static detail(c: Claim, gpa: number): number {
    return c.type === 'port' ? gpa - ISA_IO_BASE : gpa;
  }

  get size(): number {
    return new Set(this.claims.map((c) => c.server.id)).size;
  }
}

export type { Claim as IoreqClaim };
