import { describe, expect, it } from 'vitest';
import { EvtchnStat, Virq } from '../../src/vmm/abi/event-channel';
import { XenErrno } from '../../src/vmm/abi/errno';
import { DOMID_SELF } from '../../src/vmm/abi/hypercall';
import { SharedInfo, VcpuInfo } from '../../src/vmm/abi/shared-info';
import { EventChannelService } from '../../src/vmm/event-channel';
import { guestDomain, hostDomain, registry } from './helpers/fake-domain';

function setup() {
  const dom0 = hostDomain(0);
  const a = guestDomain(1, { vcpus: 2 });
  const b = guestDomain(2);
  const svc = new EventChannelService(registry(dom0, a, b));
  return { dom0, a, b, svc };
}

const pendingWord = (d: ReturnType<typeof guestDomain>, port: number) =>
  d.mem!.readU32(d.sharedInfoGpa + SharedInfo.evtchn_pending + (port >>> 5) * 4);

describe('event channels: alloc_unbound', () => {
  it('allocates the lowest free port above 0 and records the remote domain', () => {
    const { a, svc } = setup();
    expect(svc.allocUnbound(a, DOMID_SELF, 2)).toBe(1);
    expect(svc.allocUnbound(a, 1, DOMID_SELF)).toBe(2);
    expect(svc.status(a, DOMID_SELF, 1)).toEqual({
      status: EvtchnStat.unbound,
      vcpu: 0,
      remoteDomid: 2,
    });
    expect(svc.status(a, DOMID_SELF, 2)).toEqual({
      status: EvtchnStat.unbound,
      vcpu: 0,
      remoteDomid: 1,
    });
  });

  it.each([
    ['a nonexistent domain', 9, -XenErrno.ESRCH],
    ['another domain, unprivileged', 2, -XenErrno.EPERM],
  ])('refuses %s', (_what, dom, errno) => {
    const { a, svc } = setup();
    expect(svc.allocUnbound(a, dom, 0)).toBe(errno);
  });

  it('lets the privileged domain allocate in a guest (toolstack console/xenstore ports)', () => {
    const { dom0, a, svc } = setup();
    const port = svc.allocUnbound(dom0, a.id, 0);
    expect(port).toBeGreaterThan(0);
    expect(svc.status(a, DOMID_SELF, port)).toMatchObject({
      status: EvtchnStat.unbound,
      remoteDomid: 0,
    });
  });

  it('returns -ENOSPC when the table is full', () => {
    const d = guestDomain(5, { maxPorts: 4 });
    const svc = new EventChannelService(registry(d));
    expect([1, 2, 3].map(() => svc.allocUnbound(d, DOMID_SELF, 0))).toEqual([1, 2, 3]);
    expect(svc.allocUnbound(d, DOMID_SELF, 0)).toBe(-XenErrno.ENOSPC);
    expect(svc.close(d, 2)).toBe(0);
    expect(svc.allocUnbound(d, DOMID_SELF, 0)).toBe(2); // freed ports are reused
  });
});

describe('event channels: bind_interdomain', () => {
  it('connects both ends and marks the new local port pending', () => {
    const { a, b, svc } = setup();
    const rport = svc.allocUnbound(b, DOMID_SELF, a.id);
    const lport = svc.bindInterdomain(a, b.id, rport);
    expect(lport).toBe(1);
    expect(svc.status(a, DOMID_SELF, lport)).toEqual({
      status: EvtchnStat.interdomain,
      vcpu: 0,
      remoteDomid: b.id,
      remotePort: rport,
    });
    expect(svc.status(b, DOMID_SELF, rport)).toMatchObject({
      remoteDomid: a.id,
      remotePort: lport,
    });
    expect(a.events.isPending(lport)).toBe(true);
    expect(a.upcalls).toBe(1);
  });

  it.each([
    ['a nonexistent remote domain', 7, 1, -XenErrno.ESRCH],
    ['an invalid remote port', 2, 99, -XenErrno.EINVAL],
    ['remote port 0', 2, 0, -XenErrno.EINVAL],
  ])('refuses %s', (_w, rdom, rport, errno) => {
    const { a, b, svc } = setup();
    svc.allocUnbound(b, DOMID_SELF, a.id);
    expect(svc.bindInterdomain(a, rdom, rport)).toBe(errno);
  });

  it('refuses a port left unbound for another domain, and one already bound', () => {
    const { dom0, a, b, svc } = setup();
    const forDom0 = svc.allocUnbound(b, DOMID_SELF, 0);
    expect(svc.bindInterdomain(a, b.id, forDom0)).toBe(-XenErrno.EINVAL);
    const forA = svc.allocUnbound(b, DOMID_SELF, a.id);
    expect(svc.bindInterdomain(a, b.id, forA)).toBeGreaterThan(0);
    expect(svc.bindInterdomain(a, b.id, forA)).toBe(-XenErrno.EINVAL);
    // The host-side VM server binds like any domain.
    expect(svc.bindInterdomain(dom0, b.id, forDom0)).toBeGreaterThan(0);
  });

  it('refuses with -ENOSPC when the local table is full', () => {
    const a = guestDomain(1, { maxPorts: 2 });
    const b = guestDomain(2);
    const svc = new EventChannelService(registry(a, b));
    svc.allocUnbound(a, DOMID_SELF, 0); // fills a's only port
    const rport = svc.allocUnbound(b, DOMID_SELF, 1);
    expect(svc.bindInterdomain(a, 2, rport)).toBe(-XenErrno.ENOSPC);
    expect(svc.status(b, DOMID_SELF, rport)).toMatchObject({ status: EvtchnStat.unbound });
  });
});

describe('event channels: send, mask, unmask (2-level)', () => {
  function connected() {
    const s = setup();
    const rport = s.svc.allocUnbound(s.b, DOMID_SELF, s.a.id);
    const lport = s.svc.bindInterdomain(s.a, s.b.id, rport);
    s.a.events.clear(lport);
    s.a.upcalls = 0;
    s.a.mem!.ram.fill(0, 0, 4096);
    return { ...s, rport, lport };
  }

  it('sets the remote pending bit, pending_sel and upcall_pending once', () => {
    const { a, b, svc, rport, lport } = connected();
    expect(svc.send(b, rport)).toBe(0);
    expect((pendingWord(a, lport) >>> lport) & 1).toBe(1);
    expect(a.mem!.readU32(a.sharedInfoGpa + VcpuInfo.evtchn_pending_sel)).toBe(1 << (lport >>> 5));
    expect(a.mem!.ram[VcpuInfo.evtchn_upcall_pending]).toBe(1);
    expect(a.upcalls).toBe(1);
    expect(svc.send(b, rport)).toBe(0); // already pending: no second upcall
    expect(a.upcalls).toBe(1);
    expect(svc.send(a, lport)).toBe(0); // and the other way
    expect(b.events.isPending(rport)).toBe(true);
  });

  it('keeps a masked port silent until it is unmasked', () => {
    const { a, b, svc, rport, lport } = connected();
    const maskGpa = a.sharedInfoGpa + SharedInfo.evtchn_mask;
    a.mem!.writeU32(maskGpa, 1 << lport);
    svc.send(b, rport);
    expect(a.events.isPending(lport)).toBe(true);
    expect(a.upcalls).toBe(0);
    expect(svc.unmask(a, lport)).toBe(0);
    expect(a.mem!.readU32(maskGpa)).toBe(0);
    expect(a.upcalls).toBe(1);
  });

  it('treats send on an unbound port as a no-op and refuses free, invalid and VIRQ ports', () => {
    const { a, svc } = setup();
    const unbound = svc.allocUnbound(a, DOMID_SELF, 2);
    const virq = svc.bindVirq(a, Virq.timer, 0);
    expect(svc.send(a, unbound)).toBe(0);
    expect(svc.send(a, virq)).toBe(-XenErrno.EINVAL);
    expect(svc.send(a, 0)).toBe(-XenErrno.EINVAL);
    expect(svc.send(a, 500)).toBe(-XenErrno.EINVAL);
    expect(svc.send(a, -1)).toBe(-XenErrno.EINVAL);
    expect(svc.send(a, 1.5)).toBe(-XenErrno.EINVAL);
    svc.close(a, unbound);
    expect(svc.send(a, unbound)).toBe(-XenErrno.EINVAL);
  });

  it('refuses to unmask an invalid port', () => {
    const { a, svc } = setup();
    expect(svc.unmask(a, 3)).toBe(-XenErrno.EINVAL);
  });

  it('delivers to the host-side VM server through its listener', () => {
    const { dom0, a, svc } = setup();
    const gport = svc.allocUnbound(a, DOMID_SELF, 0);
    const hport = svc.bindInterdomain(dom0, a.id, gport);
    dom0.events.flush(); // the bind itself marks the port pending
    const seen: number[] = [];
    dom0.events.listener = (p) => seen.push(p);
    svc.send(a, gport);
    svc.send(a, gport); // coalesced while pending
    expect(dom0.events.flush()).toBe(1);
    expect(seen).toEqual([hport]);
  });
});

describe('event channels: bind_virq', () => {
  it('binds a VIRQ once per domain and raises it', () => {
    const { a, svc } = setup();
    const port = svc.bindVirq(a, Virq.timer, 1);
    expect(svc.status(a, DOMID_SELF, port)).toEqual({
      status: EvtchnStat.virq,
      vcpu: 1,
      virq: Virq.timer,
    });
    expect(svc.bindVirq(a, Virq.timer, 0)).toBe(-XenErrno.EEXIST);
    expect(svc.raiseVirq(a, Virq.timer)).toBe(true);
    expect(a.events.isPending(port)).toBe(true);
    expect(svc.raiseVirq(a, Virq.console)).toBe(false);
  });

  it.each([
    ['a VIRQ number past NR_VIRQS', 24, 0, -XenErrno.EINVAL],
    ['a negative VIRQ', -1, 0, -XenErrno.EINVAL],
    ['a vCPU the domain does not have', Virq.timer, 2, -XenErrno.ENOENT],
    ['a global VIRQ (console) on a vCPU other than 0', Virq.console, 1, -XenErrno.EINVAL],
    ['a global VIRQ (dom_exc) on a vCPU other than 0', Virq.dom_exc, 1, -XenErrno.EINVAL],
  ])('refuses %s', (_w, virq, vcpu, errno) => {
    const { a, svc } = setup();
    expect(svc.bindVirq(a, virq, vcpu)).toBe(errno);
  });
});

describe('event channels: close and status', () => {
  it('returns the remote end of a closed interdomain channel to unbound, ready to rebind', () => {
    const { a, b, svc } = setup();
    const rport = svc.allocUnbound(b, DOMID_SELF, a.id);
    const lport = svc.bindInterdomain(a, b.id, rport);
    expect(svc.close(a, lport)).toBe(0);
    expect(svc.status(a, DOMID_SELF, lport)).toEqual({ status: EvtchnStat.closed, vcpu: 0 });
    expect(svc.status(b, DOMID_SELF, rport)).toEqual({
      status: EvtchnStat.unbound,
      vcpu: 0,
      remoteDomid: a.id,
    });
    expect(svc.send(b, rport)).toBe(0);
    expect(svc.bindInterdomain(a, b.id, rport)).toBeGreaterThan(0);
  });

  it('clears pending and mask bits of a closed port', () => {
    const { a, svc } = setup();
    const port = svc.bindVirq(a, Virq.timer, 0);
    svc.raiseVirq(a, Virq.timer);
    svc.close(a, port);
    expect(a.events.isPending(port)).toBe(false);
    expect(svc.bindVirq(a, Virq.timer, 0)).toBe(port); // the VIRQ is free again
  });

  it.each([
    ['port 0', 0],
    ['a port never allocated', 40],
    ['a negative port', -3],
  ])('refuses to close %s', (_w, port) => {
    const { a, svc } = setup();
    svc.allocUnbound(a, DOMID_SELF, 0);
    expect(svc.close(a, port)).toBe(-XenErrno.EINVAL);
  });

  it('refuses to close a port twice', () => {
    const { a, svc } = setup();
    const p = svc.allocUnbound(a, DOMID_SELF, 0);
    expect(svc.close(a, p)).toBe(0);
    expect(svc.close(a, p)).toBe(-XenErrno.EINVAL);
  });

  it('refuses status of another domain unless privileged, and of bad domains and ports', () => {
    const { dom0, a, b, svc } = setup();
    const p = svc.allocUnbound(b, DOMID_SELF, 0);
    expect(svc.status(a, b.id, p)).toBe(-XenErrno.EPERM);
    expect(svc.status(dom0, b.id, p)).toMatchObject({ status: EvtchnStat.unbound });
    expect(svc.status(a, 77, 1)).toBe(-XenErrno.ESRCH);
    expect(svc.status(a, DOMID_SELF, 9)).toBe(-XenErrno.EINVAL);
  });

  it('closeAll tears down a dying domain and frees its peers', () => {
    const { dom0, a, svc } = setup();
    const gport = svc.allocUnbound(a, DOMID_SELF, 0);
    const hport = svc.bindInterdomain(dom0, a.id, gport);
    svc.bindVirq(a, Virq.timer, 0);
    svc.closeAll(a);
    expect(a.evtchn.entries()).toEqual([]);
    expect(svc.status(dom0, DOMID_SELF, hport)).toMatchObject({
      status: EvtchnStat.unbound,
      remoteDomid: a.id,
    });
  });
});
