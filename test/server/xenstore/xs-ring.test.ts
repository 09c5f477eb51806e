import { describe, expect, it } from 'vitest';
import { XenStore } from '../../../src/server/xenstore/xenstore.ts';
import {
  XENSTORE_CONNECTED,
  XENSTORE_ERROR_NONE,
  XENSTORE_ERROR_PROTO,
  XENSTORE_ERROR_RINGIDX,
  XENSTORE_RECONNECT,
  XenstoreInterface,
  XenstoreRingServer,
  type XenstoreRingOptions,
} from '../../../src/server/xenstore/xs-ring.ts';
import {
  latin1Bytes,
  latin1String,
  stringsPayload,
  XsType,
  type XsMessage,
} from '../../../src/server/xenstore/xs-wire.ts';
import { GuestRing } from './guest-ring.ts';

const req = (type: number, payload: string | Uint8Array, reqId = 1, txId = 0): XsMessage => ({
  type,
  reqId,
  txId,
  payload: typeof payload === 'string' ? latin1Bytes(payload) : payload,
});
const text = (m: XsMessage | undefined): string => latin1String(m?.payload ?? new Uint8Array(0));

function setup(options?: XenstoreRingOptions) {
  const store = new XenStore();
  const dom0 = store.connect(0);
  dom0.write('/local/domain/1', '');
  dom0.setPermissions('/local/domain/1', [
    { domid: 0, access: 'n' },
    { domid: 1, access: 'r' },
  ]);
  dom0.write('/local/domain/1/name', 'guest');
  dom0.write('/local/domain/1/data', '');
  dom0.setPermissions('/local/domain/1/data', [{ domid: 1, access: 'n' }]);
  const guest = new GuestRing();
  let notifications = 0;
  const internal: unknown[] = [];
  const server = new XenstoreRingServer(store.connect(1), guest.page, () => notifications++, {
    ...options,
    hooks: { onInternalError: (e) => internal.push(e) },
  });
  return { store, dom0, guest, server, notified: () => notifications, internal };
}

describe('xenstore ring server (struct xenstore_domain_interface)', () => {
  it('advertises reconnection and error reporting in server_features', () => {
    const { guest } = setup();
    expect(guest.get(XenstoreInterface.serverFeatures)).toBe(3);
    expect(guest.get(XenstoreInterface.error)).toBe(XENSTORE_ERROR_NONE);
  });

  it('answers a request put on the ring and notifies the guest', () => {
    const { guest, server, notified } = setup();
    guest.send(req(XsType.READ, 'name\0', 42));
    server.service();
    const [reply] = guest.receive();
    expect(reply).toEqual({ type: XsType.READ, reqId: 42, txId: 0, payload: latin1Bytes('guest') });
    expect(guest.get(XenstoreInterface.reqCons)).toBe(guest.get(XenstoreInterface.reqProd));
    expect(notified()).toBe(1);
    expect(server.stats).toMatchObject({
      requests: 1,
      replies: 1,
      bytesIn: 16 + 5,
      bytesOut: 16 + 5,
    });
  });

  it('does nothing and does not notify when the ring is empty', () => {
    const { server, notified } = setup();
    server.service();
    expect(notified()).toBe(0);
  });

  it('answers several requests in order, the watch event after the WATCH reply', () => {
    const { guest, server } = setup();
    guest.send(req(XsType.WRITE, 'data/a\0one', 1));
    guest.send(req(XsType.WATCH, 'data\0tok\0', 2));
    guest.send(req(XsType.DIRECTORY, 'data\0', 3));
    server.service();
    const got = guest.receive().map((m) => [m.type, m.reqId, text(m)]);
    expect(got).toEqual([
      [XsType.WRITE, 1, 'OK\0'],
      [XsType.WATCH, 2, 'OK\0'],
      [XsType.WATCH_EVENT, 0, 'data\0tok\0'],
      [XsType.DIRECTORY, 3, 'a\0'],
    ]);
  });

  it('pushes watch events caused by dom0 without being asked, and notifies', () => {
    const { guest, server, dom0, notified } = setup();
    guest.send(req(XsType.WATCH, '/local/domain/1/name\0n\0'));
    server.service();
    guest.receive();
    const before = notified();
    dom0.write('/local/domain/1/name', 'renamed');
    expect(notified()).toBe(before + 1);
    const [ev] = guest.receive();
    expect(ev).toMatchObject({ type: XsType.WATCH_EVENT, reqId: 0, txId: 0 });
    expect(text(ev)).toBe('/local/domain/1/name\0n\0');
    expect(server.stats.events).toBe(2);
  });

  it('handles indices that wrap around 2^32 and messages that straddle the ring end', () => {
    const { guest, server } = setup();
    guest.setIndices(0xffffff00);
    for (let i = 0; i < 200; i++) {
      const value = 'v'.repeat(i % 37);
      const left = guest.send(req(XsType.WRITE, `data/k${i % 9}\0${value}`, 1000 + i));
      expect(left.length).toBe(0);
      server.service();
      guest.send(req(XsType.READ, `data/k${i % 9}\0`, 2000 + i));
      server.service();
      const replies = guest.receive();
      expect(replies.map((m) => [m.reqId, text(m)])).toEqual([
        [1000 + i, 'OK\0'],
        [2000 + i, value],
      ]);
    }
    expect(guest.get(XenstoreInterface.reqProd)).toBeLessThan(0x10000); // wrapped past 2^32
    expect(guest.get(XenstoreInterface.rspProd)).toBeLessThan(0x10000);
  });

  it('assembles a request larger than the ring from pieces', () => {
    const { guest, server, dom0 } = setup();
    const value = 'x'.repeat(2000);
    let rest = guest.send(req(XsType.WRITE, `data/big\0${value}`, 7));
    expect(rest.length).toBeGreaterThan(0);
    let rounds = 0;
    while (rest.length > 0) {
      server.service();
      rest = rest.subarray(guest.writeRaw(rest));
      rounds++;
    }
    server.service();
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(guest.receive().map((m) => [m.reqId, text(m)])).toEqual([[7, 'OK\0']]);
    expect(dom0.readString('/local/domain/1/data/big')).toBe(value);
  });

  it('delivers a reply larger than the ring as the guest makes room', () => {
    const { guest, server, dom0 } = setup();
    const value = 'y'.repeat(3000);
    dom0.write('/local/domain/1/data/huge', value);
    guest.send(req(XsType.READ, 'data/huge\0', 9));
    server.service();
    expect(server.queuedBytes).toBe(16 + 3000 - 1024);
    let got: XsMessage[] = [];
    for (let i = 0; i < 5 && got.length === 0; i++) {
      guest.drain(); // frees ring space; the guest then notifies
      server.service();
      got = guest.receive();
    }
    expect(got.map((m) => [m.reqId, text(m).length])).toEqual([[9, 3000]]);
    expect(server.queuedBytes).toBe(0);
  });

  it('stops reading requests while the guest leaves its replies unread, and drops excess events', () => {
    const { guest, server, dom0 } = setup({ maxQueuedBytes: 2048 });
    guest.send(req(XsType.WATCH, 'data\0t\0'));
    server.service();
    // The guest never drains: replies fill the ring, then the queue, then
    // requests stay unread on the ring until it is full.
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      if (guest.space < 21) break;
      expect(guest.send(req(XsType.READ, 'name\0', i)).length).toBe(0);
      sent++;
      server.service();
    }
    expect(server.queuedBytes).toBeLessThanOrEqual(2048 + 64);
    expect(guest.space).toBeLessThan(21); // the request ring filled up
    expect(sent).toBeGreaterThan(100);
    for (let i = 0; i < 50; i++) dom0.write(`/local/domain/1/data/e${i}`, 'x');
    expect(server.stats.droppedEvents).toBeGreaterThan(0);
    // Once the guest reads, everything it asked for is answered.
    let replies = 0;
    for (let i = 0; i < 200; i++) {
      guest.drain();
      server.service();
      replies += guest.receive().filter((m) => m.type === XsType.READ).length;
    }
    expect(replies).toBe(sent);
  });

  it('closes the connection on request ring indices more than a ring apart', () => {
    const { guest, server } = setup();
    guest.send(req(XsType.WATCH, 'data\0t\0'));
    server.service();
    guest.set(XenstoreInterface.reqProd, guest.get(XenstoreInterface.reqCons) + 1025);
    server.service();
    expect(guest.get(XenstoreInterface.error)).toBe(XENSTORE_ERROR_RINGIDX);
    expect(server.error).toContain('request ring indices');
    expect(server.conn.watches).toEqual([]);
    const cons = guest.get(XenstoreInterface.reqCons);
    server.service();
    expect(guest.get(XenstoreInterface.reqCons)).toBe(cons);
  });

  it('closes the connection on bad reply ring indices', () => {
    const { guest, server } = setup();
    guest.set(XenstoreInterface.rspCons, 5000);
    guest.send(req(XsType.READ, 'name\0'));
    server.service();
    expect(guest.get(XenstoreInterface.error)).toBe(XENSTORE_ERROR_RINGIDX);
  });

  it('closes the connection on a payload longer than XENSTORE_PAYLOAD_MAX', () => {
    const errors: string[] = [];
    const { guest, server } = setup({ onProtocolError: (r) => errors.push(r) });
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(12, 4097, true);
    guest.writeRaw(header);
    server.service();
    expect(guest.get(XenstoreInterface.error)).toBe(XENSTORE_ERROR_PROTO);
    expect(errors).toHaveLength(1);
    expect(guest.receive()).toEqual([]);
  });

  it('starts over when the guest asks to reconnect', () => {
    const { guest, server } = setup();
    guest.set(XenstoreInterface.reqProd, 99999);
    server.service();
    expect(server.error).toBeDefined();
    guest.set(XenstoreInterface.connection, XENSTORE_RECONNECT);
    server.service();
    expect(guest.get(XenstoreInterface.connection)).toBe(XENSTORE_CONNECTED);
    expect(guest.get(XenstoreInterface.error)).toBe(XENSTORE_ERROR_NONE);
    expect(guest.get(XenstoreInterface.reqProd)).toBe(0);
    expect(server.error).toBeUndefined();
    guest.send(req(XsType.READ, 'name\0', 5));
    server.service();
    expect(guest.receive().map((m) => text(m))).toEqual(['guest']);
  });

  it('stops serving a released domain without throwing', () => {
    const { store, guest, server } = setup();
    store.introduceDomain(1);
    store.releaseDomain(1);
    guest.send(req(XsType.READ, 'name\0'));
    expect(() => server.service()).not.toThrow();
    expect(guest.receive()).toEqual([]);
  });

  it('refuses a page smaller than the interface', () => {
    const store = new XenStore();
    expect(() => new XenstoreRingServer(store.connect(1), new Uint8Array(2000), () => {})).toThrow(
      RangeError,
    );
  });

  describe('fuzzed garbage', () => {
    function rng(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    it('survives 3000 random and half-valid requests: error replies, never exceptions', () => {
      const r = rng(0xfeed);
      const pieces = [
        'data',
        'data/x',
        '/local/domain/0',
        '/',
        '@releaseDomain',
        'T',
        'F',
        '0',
        '1',
        'r1',
        'n0',
        'b2',
        '..',
        'a//b',
        '\u00ff',
        'name',
        '65536',
        '',
      ];
      const { guest, server, internal } = setup();
      let errors = 0;
      let oks = 0;
      for (let n = 0; n < 3000; n++) {
        let payload: Uint8Array;
        if (r() < 0.3) {
          payload = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
        } else {
          const parts = Array.from(
            { length: Math.floor(r() * 4) },
            () => pieces[Math.floor(r() * pieces.length)] ?? '',
          );
          payload = latin1Bytes(parts.join('\0') + (r() < 0.8 ? '\0' : ''));
        }
        const type = r() < 0.9 ? Math.floor(r() * 24) : Math.floor(r() * 0xffffffff);
        const txId = r() < 0.8 ? 0 : Math.floor(r() * 5);
        guest.send(req(type, payload, n, txId));
        expect(() => server.service()).not.toThrow();
        for (const m of guest.receive()) {
          if (m.type === XsType.ERROR) errors++;
          else oks++;
        }
      }
      expect(server.error).toBeUndefined();
      expect(internal).toEqual([]);
      expect(errors).toBeGreaterThan(1000);
      expect(oks).toBeGreaterThan(100);
    });

    it('survives random bytes and random indices on the whole page', () => {
      const r = rng(0xbad);
      for (let n = 0; n < 300; n++) {
        const { guest, server, internal } = setup();
        for (let i = 0; i < 2048; i++) guest.page[i] = Math.floor(r() * 256);
        if (r() < 0.5) {
          guest.set(XenstoreInterface.reqProd, Math.floor(r() * 0xffffffff));
          guest.set(XenstoreInterface.rspCons, Math.floor(r() * 0xffffffff));
        } else {
          guest.set(XenstoreInterface.reqProd, Math.floor(r() * 1025));
        }
        for (let round = 0; round < 3; round++) {
          expect(() => server.service()).not.toThrow();
          guest.drain();
        }
        expect(internal).toEqual([]);
      }
    });
  });

  it('uses stringsPayload framing for events: path NUL token NUL', () => {
    expect(stringsPayload(['a', 'b'])).toEqual(latin1Bytes('a\0b\0'));
  });
});
