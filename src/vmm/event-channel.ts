import { XenErrno } from './abi/errno';
import { DOMID_SELF } from './abi/hypercall';
import { EvtchnStat, NR_EVENT_CHANNELS, NR_VIRQS, Virq } from './abi/event-channel';

/**
 * Event channels, 2-level ABI (xen/common/event_channel.c, event_2l.c): each
 * domain has a table of ports; a port is free, unbound (waiting for a given
 * remote domain), interdomain (connected to a remote port) or bound to a VIRQ.
 * Where the pending and mask bits live is up to the domain's `EventDelivery`:
 * a guest's shared-info page, or the host-side VM server's listener.
 */

export type PortBinding =
  | { readonly kind: 'free' }
  /** Port 0 is never handed out (Xen marks it ECS_RESERVED). */
  | { readonly kind: 'reserved' }
  | { readonly kind: 'unbound'; readonly remoteDomid: number }
  | { readonly kind: 'interdomain'; readonly remoteDomid: number; readonly remotePort: number }
  | { readonly kind: 'virq'; readonly virq: number; readonly vcpu: number };

/** The bits behind a domain's ports, with 2-level semantics (event_2l.c). */
export interface EventDelivery {
  /** Set `port` pending; if it was not pending and is not masked, notify (upcall). */
  setPending(port: number): void;
  isPending(port: number): boolean;
  isMasked(port: number): boolean;
  /** Clear the mask bit; if the port is pending, notify. */
  unmask(port: number): void;
  /** Clear pending and mask (port closed or table reset). */
  clear(port: number): void;
}

/** What the event-channel service needs to know about a domain. */
export interface EvtchnDomain {
  readonly id: number;
  /** Domain 0: may operate on other domains' tables (Xen's XSM_TARGET for a privileged caller). */
  readonly privileged: boolean;
  readonly vcpuCount: number;
  readonly evtchn: EventChannelTable;
}

export interface EvtchnStatus {
  status: EvtchnStat;
  vcpu: number;
  /** unbound: the remote domain allowed to bind; interdomain: the remote end. */
  remoteDomid?: number;
  remotePort?: number;
  virq?: number;
}

export interface EventChannelTableState {
  ports: [number, PortBinding][];
}

const FREE: PortBinding = { kind: 'free' };

/**
 * VIRQs raised for one vCPU (xen/common/event_channel.c get_virq_type:
 * VIRQ_TIMER, VIRQ_DEBUG); the others — VIRQ_CONSOLE among them — are global,
 * delivered to the vCPU they are bound on, which must be vCPU 0.
 */
export function virqIsPerVcpu(virq: number): boolean {
  return virq === Virq.timer || virq === Virq.debug;
}
const err = (e: XenErrno): number => -e;

/** One domain's port table. */
export class EventChannelTable {
  private ports: PortBinding[] = [{ kind: 'reserved' }];
  private readonly virqPorts = new Map<number, number>();

  constructor(
    readonly delivery: EventDelivery,
    readonly maxPorts = NR_EVENT_CHANNELS,
  ) {}

  /** True for a port number this table has ever handed out (Xen's port_is_valid). */
  isValid(port: number): boolean {
    return Number.isInteger(port) && port > 0 && port < this.ports.length;
  }

  binding(port: number): PortBinding {
    return this.isValid(port) ? (this.ports[port] as PortBinding) : FREE;
  }

  /** Lowest free port, or −ENOSPC (get_free_port). */
  allocate(): number {
    for (let p = 1; p < this.ports.length; p++) if (this.ports[p]?.kind === 'free') return p;
    if (this.ports.length >= this.maxPorts) return err(XenErrno.ENOSPC);
    this.ports.push(FREE);
    return this.ports.length - 1;
  }

  set(port: number, binding: PortBinding): void {
    const old = this.ports[port];
    if (old?.kind === 'virq') this.virqPorts.delete(old.virq);
    if (binding.kind === 'virq') this.virqPorts.set(binding.virq, port);
    this.ports[port] = binding;
    if (binding.kind === 'free') this.delivery.clear(port);
  }

  virqPort(virq: number): number | undefined {
    return this.virqPorts.get(virq);
  }

  /** Ports in use, for save/restore and inspection. */
  entries(): [number, PortBinding][] {
    const out: [number, PortBinding][] = [];
    this.ports.forEach((b, p) => {
      if (b.kind !== 'free' && b.kind !== 'reserved') out.push([p, b]);
    });
    return out;
  }

  saveState(): EventChannelTableState {
    return { ports: this.entries() };
  }

  restoreState(s: EventChannelTableState): void {
    this.ports = [{ kind: 'reserved' }];
    this.virqPorts.clear();
    for (const [port, b] of s.ports) {
      while (this.ports.length <= port) this.ports.push(FREE);
      this.set(port, b);
    }
  }
}

/**
 * The event_channel_op operations, across domains. Each returns a port or 0 on
 * success and −errno on refusal, with the checks and error codes of
 * xen/common/event_channel.c.
 */
export class EventChannelService {
  constructor(private readonly lookup: (domid: number) => EvtchnDomain | undefined) {}

  private resolve(caller: EvtchnDomain, domid: number): EvtchnDomain | undefined {
    return domid === DOMID_SELF || domid === caller.id ? caller : this.lookup(domid);
  }

  /** EVTCHNOP_alloc_unbound: a port in `dom` that `remoteDom` may bind to. */
  allocUnbound(caller: EvtchnDomain, dom: number, remoteDom: number): number {
    const d = this.resolve(caller, dom);
    if (!d) return err(XenErrno.ESRCH);
    if (d !== caller && !caller.privileged) return err(XenErrno.EPERM);
    const port = d.evtchn.allocate();
    if (port < 0) return port;
    const remote = remoteDom === DOMID_SELF ? caller.id : remoteDom;
    d.evtchn.set(port, { kind: 'unbound', remoteDomid: remote });
    return port;
  }

  /** EVTCHNOP_bind_interdomain: connect a new local port to `remoteDom`'s unbound `remotePort`. */
  bindInterdomain(caller: EvtchnDomain, remoteDom: number, remotePort: number): number {
    const rd = this.resolve(caller, remoteDom);
    if (!rd) return err(XenErrno.ESRCH);
    if (!rd.evtchn.isValid(remotePort)) return err(XenErrno.EINVAL);
    const rb = rd.evtchn.binding(remotePort);
    if (rb.kind !== 'unbound' || rb.remoteDomid !== caller.id) return err(XenErrno.EINVAL);
    const lport = caller.evtchn.allocate();
    if (lport < 0) return lport;
    caller.evtchn.set(lport, { kind: 'interdomain', remoteDomid: rd.id, remotePort });
    rd.evtchn.set(remotePort, { kind: 'interdomain', remoteDomid: caller.id, remotePort: lport });
    // As Xen: make the new local port pending so no notification sent before the bind is lost.
    caller.evtchn.delivery.setPending(lport);
    return lport;
  }

  /** EVTCHNOP_bind_virq. */
  bindVirq(caller: EvtchnDomain, virq: number, vcpu: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return err(XenErrno.EINVAL);
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= caller.vcpuCount)
      return err(XenErrno.ENOENT);
    if (!virqIsPerVcpu(virq) && vcpu !== 0) return err(XenErrno.EINVAL);
    if (caller.evtchn.virqPort(virq) !== undefined) return err(XenErrno.EEXIST);
    const port = caller.evtchn.allocate();
    if (port < 0) return port;
    caller.evtchn.set(port, { kind: 'virq', virq, vcpu });
    return port;
  }

  /** EVTCHNOP_close: free the port; an interdomain peer falls back to unbound (awaiting us). */
  close(caller: EvtchnDomain, port: number): number {
    if (!caller.evtchn.isValid(port)) return err(XenErrno.EINVAL);
    const b = caller.evtchn.binding(port);
    if (b.kind === 'free' || b.kind === 'reserved') return err(XenErrno.EINVAL);
    if (b.kind === 'interdomain') {
      const rd = this.lookup(b.remoteDomid);
      const rb = rd?.evtchn.binding(b.remotePort);
      if (
        rd &&
        rb?.kind === 'interdomain' &&
        rb.remoteDomid === caller.id &&
        rb.remotePort === port
      ) {
        rd.evtchn.set(b.remotePort, { kind: 'unbound', remoteDomid: caller.id });
      }
    }
    caller.evtchn.set(port, FREE);
    return 0;
  }

  /** EVTCHNOP_send. Sending on an unbound port is a no-op, as in Xen. */
  send(caller: EvtchnDomain, port: number): number {
    if (!caller.evtchn.isValid(port)) return err(XenErrno.EINVAL);
    const b = caller.evtchn.binding(port);
    switch (b.kind) {
      case 'interdomain': {
        const rd = this.lookup(b.remoteDomid);
        rd?.evtchn.delivery.setPending(b.remotePort);
        return 0;
      }
      case 'unbound':
        return 0;
      default:
        return err(XenErrno.EINVAL);
    }
  }

  /** EVTCHNOP_status. */
  status(caller: EvtchnDomain, dom: number, port: number): EvtchnStatus | number {
    const d = this.resolve(caller, dom);
    if (!d) return err(XenErrno.ESRCH);
    if (d !== caller && !caller.privileged) return err(XenErrno.EPERM);
    if (!d.evtchn.isValid(port)) return err(XenErrno.EINVAL);
    const b = d.evtchn.binding(port);
    switch (b.kind) {
      case 'free':
      case 'reserved':
        return { status: EvtchnStat.closed, vcpu: 0 };
      case 'unbound':
        return { status: EvtchnStat.unbound, vcpu: 0, remoteDomid: b.remoteDomid };
      case 'interdomain':
        return {
          status: EvtchnStat.interdomain,
          vcpu: 0,
          remoteDomid: b.remoteDomid,
          remotePort: b.remotePort,
        };
      case 'virq':
        return { status: EvtchnStat.virq, vcpu: b.vcpu, virq: b.virq };
    }
  }

  /** EVTCHNOP_unmask. */
  unmask(caller: EvtchnDomain, port: number): number {
    if (!caller.evtchn.isValid(port)) return err(XenErrno.EINVAL);
    caller.evtchn.delivery.unmask(port);
    return 0;
  }

  /** Raise a VIRQ in a domain, if it has bound it (send_guest_vcpu_virq). */
  raiseVirq(d: EvtchnDomain, virq: number): boolean {
    const port = d.evtchn.virqPort(virq);
    if (port === undefined) return false;
    d.evtchn.delivery.setPending(port);
    return true;
  }

  /** Close every port of a dying domain (evtchn_destroy). */
  closeAll(d: EvtchnDomain): void {
    for (const [port] of d.evtchn.entries()) this.close(d, port);
  }
}
