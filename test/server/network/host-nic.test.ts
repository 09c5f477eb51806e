import { describe, expect, it } from 'vitest';
import { Bridge } from '../../../src/server/network/bridge';
import {
  BROADCAST_MAC,
  ETHERTYPE_ARP,
  parseMac,
  sourceMac,
  type EthernetLink,
  type EthernetPort,
  type MacAddress,
} from '../../../src/server/network/ethernet';
import { HOST_NIC_DEFAULT_MAC, HostNic } from '../../../src/server/network/host-nic';
import { MemoryWire, MemoryWireSegment } from '../../../src/server/network/memory-wire';
import type { HostWire } from '../../../src/server/network/host-wire';

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

function frame(dst: MacAddress, src: MacAddress, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(parseMac(dst), 0);
  f.set(parseMac(src), 6);
  f[12] = ETHERTYPE_ARP >> 8;
  f[13] = ETHERTYPE_ARP & 0xff;
  f[14] = tag;
  return f;
}

class Guest implements EthernetPort {
  readonly received: Uint8Array[] = [];
  readonly link: EthernetLink;
  constructor(
    readonly name: string,
    readonly mac: MacAddress,
    bridge: Bridge,
  ) {
    this.link = bridge.attach(this);
  }
  deliver(f: Uint8Array): boolean {
    this.received.push(f.slice());
    return true;
  }
  send(dst: MacAddress, tag: number): void {
    this.link.transmit(frame(dst, this.mac, tag));
  }
  tags(): number[] {
    return this.received.map((f) => f[14] ?? -1);
  }
}

/** One tab: its xenbr0, a guest or two, and eth0 on the given wire. */
function tab(wire: HostWire, guests: [string, MacAddress][]) {
  const bridge = new Bridge();
  const nic = new HostNic(bridge, wire);
  const vms = guests.map(([name, mac]) => new Guest(name, mac, bridge));
  return { bridge, nic, vms };
}

const A1 = '00:16:3e:aa:00:01';
const A2 = '00:16:3e:aa:00:02';
const B1 = '00:16:3e:bb:00:01';

describe('HostNic eth0: the bridge to the host wire', () => {
  it('links two bridges over a wire: frames cross, and both bridges learn across eth0', async () => {
    const [wireA, wireB] = MemoryWire.pair();
    const a = tab(wireA, [
      ['vif1.0', A1],
      ['vif2.0', A2],
    ]);
    const b = tab(wireB, [['vif1.0', B1]]);
    const [a1, a2] = a.vms as [Guest, Guest];
    const [b1] = b.vms as [Guest];

    a1.send(BROADCAST_MAC, 1); // e.g. an ARP who-has
    expect(a2.tags()).toEqual([1]); // local flood is synchronous
    expect(b1.tags()).toEqual([]); // the wire is not
    await settle();
    expect(b1.tags()).toEqual([1]);

    b1.send(A1, 2); // the reply
    await settle();
    expect(a1.tags()).toEqual([2]);
    expect(a2.tags()).toEqual([1]); // A knew A1 is local: not flooded to vif2.0

    // Both bridges learned the remote MAC behind eth0.
    const macsOf = (br: Bridge, port: string) =>
      br
        .ports()
        .find((p) => p.name === port)
        ?.macs.map((m) => m.mac);
    expect(macsOf(a.bridge, 'eth0')).toEqual([B1]);
    expect(macsOf(b.bridge, 'eth0')).toEqual([A1]);

    a1.send(B1, 3); // known unicast: out eth0 only
    await settle();
    expect(b1.tags()).toEqual([1, 3]);
    expect(a2.tags()).toEqual([1]);

    a2.send(A1, 4); // A learns A2; known local unicast never touches the wire
    a1.send(A2, 5);
    await settle();
    expect(a1.tags()).toEqual([2, 4]);
    expect(a2.tags()).toEqual([1, 5]);
    expect(b1.tags()).toEqual([1, 3]);

    expect(a.nic.counters).toMatchObject({ txFrames: 2, rxFrames: 1 });
    expect(b.nic.counters).toMatchObject({ txFrames: 1, rxFrames: 2 });
    expect(wireA.counters.sentFrames).toBe(2);
  });

  it('does not echo a frame from the wire back onto it', async () => {
    const segment = new MemoryWireSegment();
    const [w1, w2, w3] = [segment.join(), segment.join(), segment.join()];
    const t1 = tab(w1, [['vif1.0', A1]]);
    const t2 = tab(w2, [['vif1.0', B1]]);
    const t3 = tab(w3, [['vif1.0', '00:16:3e:cc:00:01']]);
    t1.vms[0]!.send(BROADCAST_MAC, 9);
    await settle();
    await settle();
    // Exactly one copy everywhere, no storm: tabs 2 and 3 took it in and sent nothing back.
    expect(t2.vms[0]!.tags()).toEqual([9]);
    expect(t3.vms[0]!.tags()).toEqual([9]);
    expect(t1.vms[0]!.tags()).toEqual([]);
    expect([w1, w2, w3].map((w) => w.counters.sentFrames)).toEqual([1, 0, 0]);
    expect([w1, w2, w3].map((w) => w.counters.receivedFrames)).toEqual([0, 1, 1]);
  });

  it('has the Xen-OUI default MAC, a configurable one, and a boot-log description', () => {
    const [wire] = MemoryWire.pair('wire');
    const bridge = new Bridge();
    const nic = new HostNic(bridge, wire);
    expect(nic.name).toBe('eth0');
    expect(nic.mac).toBe(HOST_NIC_DEFAULT_MAC);
    expect(nic.describe()).toBe('eth0 00:16:3e:00:00:02 on xenbr0 ↔ in-memory wire wire#1');
    nic.close();
    const other = new HostNic(bridge, wire, { mac: '00:16:3E:01:02:03', name: 'eth1' });
    expect(other.mac).toBe('00:16:3e:01:02:03');
    expect(() => new HostNic(new Bridge(), wire, { mac: 'nope' })).toThrow(/not a MAC/);
  });

  it('drops runts off the wire, and after close() leaves the bridge and ignores the wire', async () => {
    const [wireA, wireB] = MemoryWire.pair();
    const { bridge, nic, vms } = tab(wireA, [['vif1.0', A1]]);
    const seen: string[] = [];
    bridge.onFrame((e) => seen.push(`${e.ingress} ${sourceMac(e.frame)}`));
    // A wire that doesn't check lengths itself: the NIC must.
    const raw: HostWire & { push(f: Uint8Array): void } = (() => {
      const listeners: ((f: Uint8Array) => void)[] = [];
      return {
        description: 'raw',
        counters: wireB.counters,
        send: () => {},
        onReceive: (l: (f: Uint8Array) => void) => {
          listeners.push(l);
          return () => {};
        },
        close: () => {},
        push: (f: Uint8Array) => listeners.forEach((l) => l(f)),
      };
    })();
    const bridge2 = new Bridge();
    const nic2 = new HostNic(bridge2, raw);
    raw.push(new Uint8Array(10));
    expect(nic2.counters.rxLengthErrors).toBe(1);
    expect(bridge2.counters().rxFrames).toBe(0);

    nic.close();
    expect(bridge.ports().map((p) => p.name)).toEqual(['vif1.0']);
    wireB.send(frame(BROADCAST_MAC, B1, 1));
    await settle();
    expect(vms[0]!.tags()).toEqual([]);
    expect(seen).toEqual([]);
    expect(nic.deliver(frame(BROADCAST_MAC, A1, 2))).toBe(false);
    expect(nic.counters.txDropped).toBe(1);
    expect(wireA.counters.sentFrames).toBe(0);
  });
});
