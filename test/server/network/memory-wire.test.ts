import { describe, expect, it } from 'vitest';
import { MemoryWire, MemoryWireSegment } from '../../../src/server/network/memory-wire';

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe('MemoryWire: the in-memory host wire', () => {
  it('carries a frame from one end of a pair to the other, asynchronously, as a copy', async () => {
    const [a, b] = MemoryWire.pair();
    const atA: Uint8Array[] = [];
    const atB: Uint8Array[] = [];
    a.onReceive((f) => atA.push(f));
    b.onReceive((f) => atB.push(f));
    const sent = bytes(60, 7);
    a.send(sent);
    expect(atB).toEqual([]); // not while the sender is on the stack
    sent.fill(0); // the sender reusing its buffer must not change what is on the wire
    await Promise.resolve();
    expect(atB).toEqual([bytes(60, 7)]);
    expect(atA).toEqual([]); // never back to the sender
    expect(a.counters).toMatchObject({ sentFrames: 1, sentBytes: 60 });
    expect(b.counters).toMatchObject({ receivedFrames: 1, receivedBytes: 60 });
  });

  it('keeps order and works both ways', async () => {
    const [a, b] = MemoryWire.pair();
    const atA: number[] = [];
    const atB: number[] = [];
    a.onReceive((f) => atA.push(f[0] ?? -1));
    b.onReceive((f) => atB.push(f[0] ?? -1));
    for (let i = 1; i <= 5; i++) {
      a.send(bytes(20, i));
      b.send(bytes(20, 100 + i));
    }
    await settle();
    expect(atB).toEqual([1, 2, 3, 4, 5]);
    expect(atA).toEqual([101, 102, 103, 104, 105]);
  });

  it('is a shared segment: every other end hears a frame once', async () => {
    const segment = new MemoryWireSegment('lan');
    const ends = [segment.join(), segment.join(), segment.join()];
    const heard = ends.map(() => 0);
    ends.forEach((e, i) => e.onReceive(() => heard[i]!++));
    ends[1]!.send(bytes(14, 1));
    await settle();
    expect(heard).toEqual([1, 0, 1]);
    expect(ends.map((e) => e.description)).toEqual([
      'in-memory wire lan#1',
      'in-memory wire lan#2',
      'in-memory wire lan#3',
    ]);
  });

  it('ignores and counts frames of impossible length', async () => {
    const [a, b] = MemoryWire.pair();
    const got: number[] = [];
    b.onReceive((f) => got.push(f.length));
    a.send(bytes(13, 0));
    a.send(bytes(1515, 0));
    a.send(bytes(1514, 0));
    await settle();
    expect(got).toEqual([1514]);
    expect(b.counters.ignored).toBe(2);
  });

  it('stops sending and receiving after close() or unsubscribe', async () => {
    const [a, b] = MemoryWire.pair();
    let heardA = 0;
    let heardB = 0;
    a.onReceive(() => heardA++);
    const stop = b.onReceive(() => heardB++);
    a.send(bytes(20, 1));
    b.close(); // closed before the microtask runs: the frame in flight is lost
    await settle();
    a.send(bytes(20, 2));
    b.send(bytes(20, 3));
    await settle();
    expect([heardA, heardB]).toEqual([0, 0]);
    expect(b.counters.sentFrames).toBe(0);
    stop();

    const [c, d] = MemoryWire.pair();
    let heardD = 0;
    const unsubscribe = d.onReceive(() => heardD++);
    c.send(bytes(20, 1));
    await settle();
    unsubscribe();
    c.send(bytes(20, 2));
    await settle();
    expect(heardD).toBe(1);
  });
});
