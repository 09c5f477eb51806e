import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../../../src/server/network/bridge';
import {
  BroadcastChannelWire,
  DEFAULT_WIRE_CHANNEL,
} from '../../../src/server/network/broadcast-channel-wire';
import { BROADCAST_MAC, parseMac, type EthernetPort } from '../../../src/server/network/ethernet';
import { HostNic } from '../../../src/server/network/host-nic';

/** Poll until `cond` holds (BroadcastChannel delivers in a later task, not a microtask). */
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const quiet = () => new Promise((r) => setTimeout(r, 100));

function frame(src: string, tag: number, length = 60): Uint8Array {
  const f = new Uint8Array(length);
  f.set(parseMac(BROADCAST_MAC), 0);
  f.set(parseMac(src), 6);
  f[12] = 0x08;
  f[14] = tag;
  return f;
}

const opened: { close(): void }[] = [];
function wire(channelName: string): BroadcastChannelWire {
  const w = new BroadcastChannelWire({ channelName });
  opened.push(w);
  return w;
}
afterEach(() => {
  for (const w of opened.splice(0)) w.close();
});
let n = 0;
const freshChannel = () => `tabvisor-wire-test-${Date.now()}-${++n}`;

describe('BroadcastChannelWire in real Chromium', () => {
  it('exists here, with the default channel name in its description', () => {
    expect(BroadcastChannelWire.isAvailable()).toBe(true);
    const w = new BroadcastChannelWire();
    opened.push(w);
    expect(w.channelName).toBe(DEFAULT_WIRE_CHANNEL);
    expect(w.description).toBe('BroadcastChannel tabvisor-wire (tabs of this origin)');
  });

  it('carries frames between two instances, in order, both ways, never back to the sender', async () => {
    const name = freshChannel();
    const a = wire(name);
    const b = wire(name);
    const atA: number[] = [];
    const atB: Uint8Array[] = [];
    a.onReceive((f) => atA.push(f[14] ?? -1));
    b.onReceive((f) => atB.push(f));
    // Sent from a view into a larger buffer: only the frame's own bytes travel.
    const big = new Uint8Array(4096).fill(0xee);
    big.set(frame('00:16:3e:00:00:0a', 1), 100);
    a.send(big.subarray(100, 160));
    for (let i = 2; i <= 20; i++) a.send(frame('00:16:3e:00:00:0a', i, 60 + i));
    b.send(frame('00:16:3e:00:00:0b', 99, 1514));
    await until(() => atB.length === 20 && atA.length === 1, 'frames both ways');
    await quiet();
    expect(atB.map((f) => f[14])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(atB.map((f) => f.length)).toEqual([60, ...Array.from({ length: 19 }, (_, i) => 62 + i)]);
    expect(atB[0]).toEqual(frame('00:16:3e:00:00:0a', 1));
    expect(atA).toEqual([99]);
    expect(a.counters).toMatchObject({ sentFrames: 20, receivedFrames: 1, receivedBytes: 1514 });
    expect(b.counters).toMatchObject({ sentFrames: 1, receivedFrames: 20, ignored: 0 });
  });

  it('keeps channels apart', async () => {
    const a = wire(freshChannel());
    const b = wire(freshChannel());
    let heard = 0;
    b.onReceive(() => heard++);
    a.send(frame('00:16:3e:00:00:0a', 1));
    await quiet();
    expect(heard).toBe(0);
  });

  it('ignores and counts messages that are not well-formed frames', async () => {
    const name = freshChannel();
    const w = wire(name);
    const got: number[] = [];
    w.onReceive((f) => got.push(f.length));
    const other = new BroadcastChannel(name); // another program on the same channel
    other.postMessage('hello');
    other.postMessage({ frame: [1, 2, 3] });
    other.postMessage(new Uint8Array(60)); // a view, not an ArrayBuffer
    other.postMessage(new ArrayBuffer(13)); // shorter than a header
    other.postMessage(new ArrayBuffer(1515)); // longer than ETH_MAX_FRAME
    other.postMessage(frame('00:16:3e:00:00:0c', 7).buffer); // the one good frame
    await until(() => w.counters.ignored === 5 && got.length === 1, 'five ignored, one frame');
    other.close();
    expect(got).toEqual([60]);
  });

  it('stops receiving and sending after close()', async () => {
    const name = freshChannel();
    const a = wire(name);
    const b = wire(name);
    const c = wire(name);
    let heardB = 0;
    let heardC = 0;
    b.onReceive(() => heardB++);
    c.onReceive(() => heardC++);
    b.close();
    b.send(frame('00:16:3e:00:00:0b', 1));
    a.send(frame('00:16:3e:00:00:0a', 2));
    await until(() => heardC === 1, 'c hears a');
    await quiet();
    expect(heardB).toBe(0);
    expect(heardC).toBe(1);
  });

  it('links two bridges through host NICs: a guest on one reaches a guest on the other and back', async () => {
    const name = freshChannel();
    class Guest implements EthernetPort {
      readonly got: number[] = [];
      constructor(readonly name: string) {}
      deliver(f: Uint8Array): boolean {
        this.got.push(f[14] ?? -1);
        return true;
      }
    }
    const sides = [0, 1].map(() => {
      const bridge = new Bridge();
      const nic = new HostNic(bridge, wire(name));
      const guest = new Guest('vif1.0');
      return { bridge, nic, guest, link: bridge.attach(guest) };
    });
    const [one, two] = sides as [(typeof sides)[0], (typeof sides)[0]];
    one.link.transmit(frame('00:16:3e:aa:00:01', 1));
    await until(() => two.guest.got.length === 1, 'the broadcast on tab two');
    const reply = frame('00:16:3e:bb:00:01', 2);
    reply.set(parseMac('00:16:3e:aa:00:01'), 0);
    two.link.transmit(reply);
    await until(() => one.guest.got.length === 1, 'the reply on tab one');
    await quiet();
    expect(one.guest.got).toEqual([2]);
    expect(two.guest.got).toEqual([1]);
    expect(
      one.bridge
        .ports()
        .find((p) => p.name === 'eth0')
        ?.macs.map((m) => m.mac),
    ).toEqual(['00:16:3e:bb:00:01']);
    // No echo: each frame crossed the wire exactly once.
    expect(sides.map((s) => s.nic.wire.counters.sentFrames)).toEqual([1, 1]);
  });
});
