import { describe, expect, it } from 'vitest';
import { BRIDGE_AGEING_TIME_SEC, Bridge } from '../../../src/server/network/bridge';
import {
  BROADCAST_MAC,
  ETH_MAX_FRAME,
  ETH_MIN_FRAME,
  ETHERTYPE_IPV4,
  destinationMac,
  parseMac,
  sourceMac,
  type EthernetLink,
  type EthernetPort,
  type MacAddress,
} from '../../../src/server/network/ethernet';

/** An Ethernet frame dst ← src with a one-byte tag in the payload to tell frames apart. */
function frame(dst: MacAddress, src: MacAddress, tag = 0, length = ETH_MIN_FRAME): Uint8Array {
  const f = new Uint8Array(length);
  f.set(parseMac(dst), 0);
  f.set(parseMac(src), 6);
  f[12] = ETHERTYPE_IPV4 >> 8;
  f[13] = ETHERTYPE_IPV4 & 0xff;
  if (length > 14) f[14] = tag;
  return f;
}

class RecordingPort implements EthernetPort {
  readonly received: Uint8Array[] = [];
  accept = true;
  onDeliver?: (frame: Uint8Array) => void;
  constructor(readonly name: string) {}
  deliver(f: Uint8Array): boolean {
    this.received.push(f);
    this.onDeliver?.(f);
    return this.accept;
  }
  tags(): number[] {
    return this.received.map((f) => f[14] ?? -1);
  }
}

const MAC = {
  a: '00:16:3e:00:00:0a',
  b: '00:16:3e:00:00:0b',
  c: '00:16:3e:00:00:0c',
  x: '00:16:3e:00:00:99',
};

function setup(names = ['a', 'b', 'c']) {
  let nowMs = 1_000_000;
  const bridge = new Bridge({ now: () => nowMs });
  const ports = new Map<string, RecordingPort>();
  const links = new Map<string, EthernetLink>();
  for (const n of names) {
    const p = new RecordingPort(`vif${n}`);
    ports.set(n, p);
    links.set(n, bridge.attach(p));
  }
  const port = (n: string) => ports.get(n) as RecordingPort;
  const link = (n: string) => links.get(n) as EthernetLink;
  const advance = (sec: number) => {
    nowMs += sec * 1000;
  };
  return { bridge, port, link, advance };
}

describe('Bridge xenbr0: 802.1D learning switch', () => {
  it('floods an unknown unicast to every port but the ingress, then forwards known unicast to one port', () => {
    const { bridge, port, link } = setup();
    link('a').transmit(frame(MAC.b, MAC.a, 1)); // b unknown: flood
    expect(port('a').received).toEqual([]);
    expect(port('b').tags()).toEqual([1]);
    expect(port('c').tags()).toEqual([1]);

    link('b').transmit(frame(MAC.a, MAC.b, 2)); // a learned on vifa: only there
    expect(port('a').tags()).toEqual([2]);
    expect(port('c').tags()).toEqual([1]);

    link('a').transmit(frame(MAC.b, MAC.a, 3)); // now b is known too
    expect(port('b').tags()).toEqual([1, 3]);
    expect(port('c').tags()).toEqual([1]);

    const c = bridge.counters();
    expect(c.flooded).toBe(1);
    expect(c.forwarded).toBe(2);
    expect(c.deliveries).toBe(4);
  });

  it('floods broadcast and multicast even when learned MACs exist, never back to the ingress', () => {
    const { bridge, port, link } = setup();
    link('b').transmit(frame(MAC.a, MAC.b, 1));
    link('c').transmit(frame(MAC.a, MAC.c, 2));
    for (const p of ['a', 'b', 'c']) port(p).received.length = 0;

    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 3));
    link('a').transmit(frame('01:00:5e:00:00:01', MAC.a, 4)); // IPv4 multicast 224.0.0.1
    expect(port('a').received).toEqual([]);
    expect(port('b').tags()).toEqual([3, 4]);
    expect(port('c').tags()).toEqual([3, 4]);
    // The frame is shared, not copied: ports copy what they keep (ethernet.ts contract).
    expect(port('b').received[0]).toBe(port('c').received[0]);
    expect(bridge.counters().flooded).toBe(4);
  });

  it('filters a frame whose destination was learned on its own ingress port (no hairpin)', () => {
    const { bridge, port, link } = setup();
    // Two hosts behind one port (e.g. eth0 with a whole LAN behind it).
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    link('a').transmit(frame(BROADCAST_MAC, MAC.x, 2));
    link('a').transmit(frame(MAC.x, MAC.a, 3));
    expect(port('a').received).toEqual([]);
    expect(port('b').tags()).toEqual([1, 2]);
    expect(bridge.counters().filtered).toBe(1);
  });

  it('relearns a MAC that moves to another port', () => {
    const { port, link } = setup();
    link('a').transmit(frame(BROADCAST_MAC, MAC.x, 1));
    link('b').transmit(frame(MAC.x, MAC.b, 2));
    expect(port('a').tags()).toEqual([2]);
    link('c').transmit(frame(BROADCAST_MAC, MAC.x, 3)); // x moved to vifc
    link('b').transmit(frame(MAC.x, MAC.b, 4));
    expect(port('c').tags()).toEqual([1, 4]); // the flood of 1, then 4 alone
    expect(port('a').tags()).toEqual([2, 3]); // 4 no longer goes to vifa
  });

  it(`ages a MAC out after ${BRIDGE_AGEING_TIME_SEC} s without a frame from it`, () => {
    const { bridge, port, link, advance } = setup();
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    advance(BRIDGE_AGEING_TIME_SEC - 1);
    link('b').transmit(frame(MAC.a, MAC.b, 2)); // still known: forwarded
    expect(port('c').tags()).toEqual([1]);
    expect(bridge.macTable().find((m) => m.mac === MAC.a)?.ageSec).toBe(BRIDGE_AGEING_TIME_SEC - 1);

    advance(2); // 301 s since a was last seen
    expect(bridge.macTable().map((m) => m.mac)).toEqual([MAC.b]);
    link('b').transmit(frame(MAC.a, MAC.b, 3)); // unknown again: flooded
    expect(port('c').tags()).toEqual([1, 3]);
    expect(port('a').tags()).toEqual([2, 3]);
  });

  it('refreshing a MAC restarts its ageing', () => {
    const { port, link, advance } = setup();
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    advance(200);
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 2));
    advance(200); // 400 s since first seen, 200 s since last
    link('b').transmit(frame(MAC.a, MAC.b, 3));
    expect(port('c').tags()).toEqual([1, 2]);
    expect(port('a').tags()).toEqual([3]);
  });

  it('forgets the MACs of a port that detaches and stops delivering to it', () => {
    const { bridge, port, link } = setup();
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    link('b').transmit(frame(BROADCAST_MAC, MAC.b, 2));
    link('a').detach();
    expect(bridge.macTable().map((m) => m.mac)).toEqual([MAC.b]);
    expect(bridge.ports().map((p) => p.name)).toEqual(['vifb', 'vifc']);
    link('b').transmit(frame(MAC.a, MAC.b, 3));
    expect(port('a').tags()).toEqual([2]);
    expect(port('c').tags()).toEqual([1, 2, 3]);
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 4)); // a detached link is dead
    expect(port('b').tags()).toEqual([1]);
    // The name is free again; port numbers are not reused.
    const again = bridge.attach(new RecordingPort('vifa'));
    expect(bridge.ports().map((p) => [p.portNo, p.name])).toEqual([
      [2, 'vifb'],
      [3, 'vifc'],
      [4, 'vifa'],
    ]);
    again.detach();
  });

  it('refuses a second port with the same name', () => {
    const { bridge } = setup();
    expect(() => bridge.attach(new RecordingPort('vifa'))).toThrow(/already attached/);
  });

  it('drops and counts frames shorter than the header or longer than ETH_MAX_FRAME', () => {
    const { bridge, port, link } = setup();
    link('a').transmit(new Uint8Array(13));
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1, ETH_MAX_FRAME + 1));
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 2, 14)); // header only: valid
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 3, ETH_MAX_FRAME));
    expect(port('b').received.map((f) => f.length)).toEqual([14, ETH_MAX_FRAME]);
    const c = bridge.counters();
    expect(c.runts).toBe(1);
    expect(c.giants).toBe(1);
    expect(c.rxFrames).toBe(4);
    expect(c.rxBytes).toBe(13 + ETH_MAX_FRAME + 1 + 14 + ETH_MAX_FRAME);
    expect(bridge.ports()[0]?.counters.rxFrames).toBe(4);
  });

  it('drops frames with a group source address and does not forward 802.1D link-local frames', () => {
    const { bridge, port, link } = setup();
    link('a').transmit(frame(BROADCAST_MAC, BROADCAST_MAC, 1));
    link('a').transmit(frame('01:80:c2:00:00:00', MAC.a, 2)); // an STP BPDU
    link('a').transmit(frame('01:80:c2:00:00:0e', MAC.a, 3)); // LLDP
    link('a').transmit(frame('01:80:c2:00:00:10', MAC.a, 4)); // outside the reserved block
    expect(port('b').tags()).toEqual([4]);
    const c = bridge.counters();
    expect(c.invalidSource).toBe(1);
    expect(c.linkLocal).toBe(2);
    expect(bridge.macTable().map((m) => m.mac)).toEqual([MAC.a]);
  });

  it('counts per port: rx from the port, tx delivered to it, drops it refused', () => {
    const { bridge, port, link } = setup();
    port('c').accept = false; // a full receive ring
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1, 100));
    link('b').transmit(frame(MAC.a, MAC.b, 2, 70));
    const byName = Object.fromEntries(bridge.ports().map((p) => [p.name, p.counters]));
    expect(byName).toEqual({
      vifa: { rxFrames: 1, rxBytes: 100, txFrames: 1, txBytes: 70, drops: 0 },
      vifb: { rxFrames: 1, rxBytes: 70, txFrames: 1, txBytes: 100, drops: 0 },
      vifc: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, drops: 1 },
    });
    expect(bridge.counters().deliveryDrops).toBe(1);
    const macs = Object.fromEntries(bridge.ports().map((p) => [p.name, p.macs.map((m) => m.mac)]));
    expect(macs).toEqual({ vifa: [MAC.a], vifb: [MAC.b], vifc: [] });
  });

  it('is not re-entrant: a reply sent from inside deliver() arrives after the current frame, in order', () => {
    const { bridge, port, link } = setup();
    const log: string[] = [];
    for (const n of ['a', 'b', 'c'])
      port(n).onDeliver = (f) => log.push(`${n}<-${sourceMac(f).slice(-2)}#${f[14] ?? -1}`);
    // b answers every frame from a with two frames back to a (e.g. an ARP reply and a ping reply).
    const answer = port('b').onDeliver;
    port('b').onDeliver = (f) => {
      answer?.(f);
      if (sourceMac(f) !== MAC.a) return;
      log.push('b replies');
      link('b').transmit(frame(MAC.a, MAC.b, 10 + (f[14] ?? 0)));
      link('b').transmit(frame(BROADCAST_MAC, MAC.b, 20 + (f[14] ?? 0)));
      log.push('b returns');
    };
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    expect(log).toEqual([
      'b<-0a#1',
      'b replies',
      'b returns',
      'c<-0a#1', // the flood of frame 1 finishes before any reply is delivered
      'a<-0b#11',
      'a<-0b#21',
      'c<-0b#21',
    ]);
    expect(bridge.counters().rxFrames).toBe(3);
  });

  it('a port that throws does not wedge the bridge: the queue drains and the error surfaces', () => {
    const { bridge, port, link } = setup();
    port('b').onDeliver = () => {
      throw new Error('boom');
    };
    expect(() => link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1))).toThrow('boom');
    expect(port('c').tags()).toEqual([1]);
    port('b').onDeliver = undefined;
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 2));
    expect(port('b').tags()).toEqual([1, 2]);
    expect(bridge.ports().find((p) => p.name === 'vifb')?.counters.drops).toBe(1);
  });

  it('taps every valid frame entering the bridge with its ingress port and time, until unsubscribed', () => {
    const { bridge, link, advance } = setup();
    const seen: string[] = [];
    const stop = bridge.onFrame((e) =>
      seen.push(`${e.ingress} ${destinationMac(e.frame)} ${e.timeMs}`),
    );
    link('a').transmit(frame(BROADCAST_MAC, MAC.a, 1));
    advance(1.5);
    link('b').transmit(frame(MAC.a, MAC.b, 2));
    link('b').transmit(new Uint8Array(5)); // runt: not tapped
    stop();
    link('c').transmit(frame(MAC.a, MAC.c, 3));
    expect(seen).toEqual([`vifa ${BROADCAST_MAC} 1000000`, `vifb ${MAC.a} 1001500`]);
  });

  it('bounds the MAC table', () => {
    let now = 0;
    const bridge = new Bridge({ now: () => now, maxMacEntries: 2 });
    const p = new RecordingPort('vif1.0');
    const l = bridge.attach(p);
    bridge.attach(new RecordingPort('vif2.0'));
    l.transmit(frame(BROADCAST_MAC, MAC.a));
    l.transmit(frame(BROADCAST_MAC, MAC.b));
    l.transmit(frame(BROADCAST_MAC, MAC.c));
    expect(bridge.macTable().map((m) => m.mac)).toEqual([MAC.a, MAC.b]);
    expect(bridge.counters().learningRefused).toBe(1);
    now += (BRIDGE_AGEING_TIME_SEC + 1) * 1000; // room again once old entries age out
    l.transmit(frame(BROADCAST_MAC, MAC.c));
    expect(bridge.macTable().map((m) => m.mac)).toEqual([MAC.c]);
  });
});
