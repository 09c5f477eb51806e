import { describe, expect, it } from 'vitest';
import { Netback, NETBACK_RX_QUEUE_LIMIT } from '../../../src/server/backends/netback';
import type { EthernetLink, EthernetPort } from '../../../src/server/network/ethernet';
import { writeDeviceLayout } from '../../../src/server/xenstore/domain-layout';
import { XenStore } from '../../../src/server/xenstore/xenstore';
import {
  NET_RX_RING_SIZE,
  NET_TX_RING_SIZE,
  NetifExtraInfo,
  NetifRxRequest,
  NetifRxResponse,
  NetifStatus,
  NetifTxFlag,
  NetifTxRequest,
  NetifTxResponse,
  XEN_NETIF_EXTRA_FLAG_MORE,
} from '../../../src/vmm/abi/ring';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import { Vmm } from '../../../src/vmm/vmm';
import { blockGuest } from '../../vmm/helpers/asm';
import { FakeFrontend } from './fake-frontend';
import { FrontRing } from './front-ring';
import { TestEvents } from './test-events';

/*
 * netback against a netfront twin written here in TypeScript: its rings,
 * grant table and buffers live in a real PV domain's RAM, its event channel
 * is a real port of that domain, it talks to xenstore through its own
 * unprivileged connection, and it follows ring.h's front-end macros and
 * netfront's handshake — or does what a broken or hostile front end would.
 */

const MAC = '00:16:3e:0a:0b:0c';
const PEER = '00:16:3e:00:00:01';

// Guest frames the twin uses (clear of the kernel, the VMM's top pages and the grant table).
const TX_RING_PAGE = 0x101;
const RX_RING_PAGE = 0x102;
const TX_DATA_PAGE0 = 0x110; // TX data page i: grant ref 16 + i
const RX_BUF_PAGE0 = 0x140; // RX buffer j: grant ref 64 + j
const TX_DATA_PAGES = 8;
const RX_BUFFERS = 32;
const TX_RING_REF = 8;
const RX_RING_REF = 9;
const txRef = (i: number): number => 16 + i;
const rxRef = (j: number): number => 64 + j;

interface TxRequest {
  gref: number;
  offset: number;
  flags: number;
  id: number;
  size: number;
}

interface TxResponse {
  id: number;
  status: number;
}

interface RxResponse {
  id: number;
  offset: number;
  flags: number;
  status: number;
}

class FakeNetfront extends FakeFrontend {
  readonly tx = new FrontRing(() => this.view(TX_RING_PAGE), NetifTxRequest.size, NET_TX_RING_SIZE);
  readonly rx = new FrontRing(() => this.view(RX_RING_PAGE), NetifRxRequest.size, NET_RX_RING_SIZE);

  constructor(vmm: Vmm, store: XenStore, domid: number, devid: number) {
    super(vmm, store, domid, devid, 'vif');
  }

  txData(i: number): Uint8Array {
    return this.page(TX_DATA_PAGE0 + i);
  }

  rxBuffer(j: number): Uint8Array {
    return this.page(RX_BUF_PAGE0 + j);
  }

  /** netfront's talk_to_netback: both rings, their grants, the event channel, keys, Initialised. */
  connect(opts: { rxCopy?: string | null } = {}): void {
    if (this.backendState() !== XenbusState.InitWait) throw new Error('back end not in InitWait');
    this.tx.init();
    this.rx.init();
    this.grant(TX_RING_REF, TX_RING_PAGE);
    this.grant(RX_RING_REF, RX_RING_PAGE);
    for (let i = 0; i < TX_DATA_PAGES; i++)
      this.grant(txRef(i), TX_DATA_PAGE0 + i, { readonly: true });
    for (let j = 0; j < RX_BUFFERS; j++) this.grant(rxRef(j), RX_BUF_PAGE0 + j);
    this.port = this.vmm.evtchn.allocUnbound(this.d, this.domid, 0);
    const rxCopy = opts.rxCopy === undefined ? '1' : opts.rxCopy;
    this.xs.transaction((t) => {
      this.xs.write(`${this.frontend}/tx-ring-ref`, String(TX_RING_REF), t);
      this.xs.write(`${this.frontend}/rx-ring-ref`, String(RX_RING_REF), t);
      this.xs.write(`${this.frontend}/event-channel`, String(this.port), t);
      if (rxCopy !== null) this.xs.write(`${this.frontend}/request-rx-copy`, rxCopy, t);
      this.xs.write(`${this.frontend}/feature-rx-notify`, '1', t);
    });
    this.setState(XenbusState.Initialised);
    if (this.backendState() === XenbusState.Connected) this.setState(XenbusState.Connected);
  }

  /** Puts a TX request in the next private slot. */
  queueTx(req: TxRequest): void {
    const r = this.tx.view;
    const at = this.tx.slot(this.tx.advance());
    r.setUint32(at + NetifTxRequest.gref, req.gref >>> 0, true);
    r.setUint16(at + NetifTxRequest.offset, req.offset, true);
    r.setUint16(at + NetifTxRequest.flags, req.flags, true);
    r.setUint16(at + NetifTxRequest.id, req.id, true);
    r.setUint16(at + NetifTxRequest.size_, req.size, true);
  }

  /** Puts a netif_extra_info in the next private TX slot. */
  queueExtra(type: number, flags: number): void {
    const r = this.tx.view;
    const at = this.tx.slot(this.tx.advance());
    r.setUint8(at + NetifExtraInfo.type, type);
    r.setUint8(at + NetifExtraInfo.flags, flags);
  }

  /** Copies `frame` to data page `i` at `offset` and queues a request for it. */
  queueFrame(frame: Uint8Array, id: number, opts: { page?: number; offset?: number } = {}): void {
    const i = opts.page ?? 0;
    const offset = opts.offset ?? 0;
    this.txData(i).set(frame, offset);
    this.queueTx({ gref: txRef(i), offset, flags: 0, id, size: frame.length });
  }

  /** Push the TX ring, notify if asked. */
  pushTx(): boolean {
    return this.pushRequests(this.tx);
  }

  takeTx(): TxResponse[] {
    return this.tx.takeResponses((r, at) => ({
      id: r.getUint16(at + NetifTxResponse.id, true),
      status: r.getInt16(at + NetifTxResponse.status, true),
    }));
  }

  /** Posts receive buffer j with request id `id` (defaults to j). */
  queueRx(j: number, id = j, gref = rxRef(j)): void {
    const r = this.rx.view;
    const at = this.rx.slot(this.rx.advance());
    r.setUint16(at + NetifRxRequest.id, id, true);
    r.setUint32(at + NetifRxRequest.gref, gref >>> 0, true);
  }

  pushRx(): boolean {
    return this.pushRequests(this.rx);
  }

  takeRx(): RxResponse[] {
    return this.rx.takeResponses((r, at) => ({
      id: r.getUint16(at + NetifRxResponse.id, true),
      offset: r.getUint16(at + NetifRxResponse.offset, true),
      flags: r.getUint16(at + NetifRxResponse.flags, true),
      status: r.getInt16(at + NetifRxResponse.status, true),
    }));
  }
}

/** A stand-in for xenbr0: records what the port transmits; `reply` runs inside transmit(). */
class FakeBridge {
  port: EthernetPort | null = null;
  readonly sent: Uint8Array[] = [];
  attaches = 0;
  detaches = 0;
  reply: ((frame: Uint8Array, port: EthernetPort) => void) | null = null;

  attach = (port: EthernetPort): EthernetLink => {
    if (this.port) throw new Error(`port ${this.port.name} is already attached`);
    this.port = port;
    this.attaches++;
    return {
      transmit: (frame) => {
        this.sent.push(frame);
        this.reply?.(frame, port);
      },
      detach: () => {
        this.detaches++;
        this.port = null;
      },
    };
  };

  deliver(frame: Uint8Array): boolean {
    if (!this.port) throw new Error('nothing attached');
    return this.port.deliver(frame);
  }
}

/** An Ethernet frame of `length` bytes: destination, source, EtherType 0x88b5 (local experimental), payload from `seed`. */
function ethFrame(length: number, seed: number, dst = PEER, src = MAC): Uint8Array {
  const f = new Uint8Array(length);
  f.set(
    dst.split(':').map((h) => parseInt(h, 16)),
    0,
  );
  f.set(
    src.split(':').map((h) => parseInt(h, 16)),
    6,
  );
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < length; i++) f[i] = (seed * 31 + i * 7) & 0xff;
  return f;
}

function rig(
  opts: { connect?: boolean; vifname?: string; rxQueueLimit?: number; devid?: number } = {},
) {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const domid = vmm.createDomain({ name: 'pv', type: 'pv', memory: 16, kernel: blockGuest() });
  const store = new XenStore();
  const xs = store.connect(0);
  const devid = opts.devid ?? 0;
  const { backend } = writeDeviceLayout(xs, {
    kind: 'vif',
    domid,
    devid,
    frontend: { handle: String(devid), mac: MAC },
    backend: {
      handle: String(devid),
      mac: MAC,
      bridge: 'xenbr0',
      type: 'vif',
      script: 'vif-bridge',
      ...(opts.vifname !== undefined ? { vifname: opts.vifname } : {}),
    },
  });
  const events = new TestEvents(vmm);
  const bridge = new FakeBridge();
  const problems: string[] = [];
  const back = new Netback({
    xs,
    grants: vmm,
    events,
    domid,
    devid,
    mac: MAC,
    attach: bridge.attach,
    ...(opts.rxQueueLimit !== undefined ? { rxQueueLimit: opts.rxQueueLimit } : {}),
    onProblem: (m) => problems.push(m),
  });
  back.start();
  const front = new FakeNetfront(vmm, store, domid, devid);
  if (opts.connect ?? true) front.connect();
  const be = (key: string): string | undefined => xs.tryReadString(`${backend}/${key}`);
  /** Delivers pending notifications to Domain-0 (the VMM does this between guest slices). */
  const pump = (): void => events.deliver();
  const foreignMaps = (): number => vmm.guest(domid).grants.foreignMaps;
  return { vmm, domid, xs, backend, be, events, bridge, back, front, pump, problems, foreignMaps };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

describe('netback: the xenbus handshake', () => {
  it('publishes rx-copy only in InitWait, connects on Initialised: both rings mapped, one port, on the bridge', () => {
    const r = rig({ connect: false });
    expect(r.be('state')).toBe(String(XenbusState.InitWait));
    expect([
      r.be('feature-rx-copy'),
      r.be('feature-rx-flip'),
      r.be('feature-sg'),
      r.be('feature-gso-tcpv4'),
    ]).toEqual(['1', '0', '0', '0']);
    expect(r.back.connected).toBe(false);
    expect(r.bridge.attaches).toBe(0);
    r.front.connect();
    expect(r.be('state')).toBe(String(XenbusState.Connected));
    expect(r.front.state()).toBe(XenbusState.Connected);
    expect(r.back.connected).toBe(true);
    expect(r.foreignMaps()).toBe(2);
    expect(r.events.bound).toBe(1);
    expect(r.bridge.port?.name).toBe(`vif${r.domid}.0`);
    expect(r.back.mac).toBe(MAC);
  });

  it('names the port after the backend vifname key when there is one', () => {
    expect(rig({ vifname: 'web0' }).bridge.port?.name).toBe('web0');
    expect(rig({ devid: 2 }).back.name).toMatch(/^vif\d+\.2$/);
  });

  it.each([
    [
      'a front end that does not request rx-copy',
      (f: FakeNetfront) => f.connect({ rxCopy: null }),
      /does not request rx-copy/,
    ],
    [
      'request-rx-copy=0 (page flipping)',
      (f: FakeNetfront) => f.connect({ rxCopy: '0' }),
      /does not request rx-copy/,
    ],
    [
      'an rx-ring-ref that is not granted',
      (f: FakeNetfront) => {
        f.grant(TX_RING_REF, TX_RING_PAGE);
        f.xs.write(`${f.frontend}/tx-ring-ref`, String(TX_RING_REF));
        f.xs.write(`${f.frontend}/rx-ring-ref`, '300');
        f.xs.write(
          `${f.frontend}/event-channel`,
          String(f.vmm.evtchn.allocUnbound(f.d, f.domid, 0)),
        );
        f.xs.write(`${f.frontend}/request-rx-copy`, '1');
        f.setState(XenbusState.Initialised);
      },
      /mapping rx-ring-ref 300/,
    ],
    [
      'a missing tx-ring-ref',
      (f: FakeNetfront) => {
        f.xs.write(`${f.frontend}/rx-ring-ref`, String(RX_RING_REF));
        f.setState(XenbusState.Initialised);
      },
      /reading .*tx-ring-ref/,
    ],
    [
      'an event channel that is not there',
      (f: FakeNetfront) => {
        f.grant(TX_RING_REF, TX_RING_PAGE);
        f.grant(RX_RING_REF, RX_RING_PAGE);
        f.xs.write(`${f.frontend}/tx-ring-ref`, String(TX_RING_REF));
        f.xs.write(`${f.frontend}/rx-ring-ref`, String(RX_RING_REF));
        f.xs.write(`${f.frontend}/event-channel`, '77');
        f.xs.write(`${f.frontend}/request-rx-copy`, '1');
        f.setState(XenbusState.Initialised);
      },
      /binding event channel 77/,
    ],
  ])('fails the handshake on %s: error node and Closing, nothing held', (_w, spoil, msg) => {
    const r = rig({ connect: false });
    spoil(r.front);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.be('error')).toMatch(msg);
    expect(r.problems.join()).toMatch(msg);
    expect(r.back.connected).toBe(false);
    expect(r.foreignMaps()).toBe(0);
    expect(r.events.bound).toBe(0);
    expect(r.bridge.attaches).toBe(0);
    expect(r.back.deliver(ethFrame(60, 1))).toBe(false);
    expect(r.back.stats.rxDropped).toBe(1);
  });

  it('closes with the front (off the bridge, unmapped, unbound) and connects again after a reboot', () => {
    const r = rig();
    r.front.queueRx(0);
    r.front.pushRx();
    r.pump();
    expect(r.back.deliver(ethFrame(60, 1))).toBe(true);
    expect(r.back.deliver(ethFrame(60, 2))).toBe(true); // queued: one buffer only
    expect(r.back.rxQueued).toBe(1);

    r.front.setState(XenbusState.Closing);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.bridge.detaches).toBe(1);
    expect(r.back.connected).toBe(false);
    expect(r.foreignMaps()).toBe(0);
    expect(r.events.bound).toBe(0);
    expect(r.back.rxQueued).toBe(0);
    expect(r.back.stats.rxDropped).toBe(1); // the queued frame went with the connection
    expect(r.back.deliver(ethFrame(60, 3))).toBe(false);
    r.front.setState(XenbusState.Closed);
    expect(r.be('state')).toBe(String(XenbusState.Closed));

    // A rebooted front end starts over: offered again, and it works.
    r.front.setState(XenbusState.Initialising);
    expect(r.be('state')).toBe(String(XenbusState.InitWait));
    r.front.connect();
    expect(r.be('state')).toBe(String(XenbusState.Connected));
    expect(r.bridge.attaches).toBe(2);
    expect(r.foreignMaps()).toBe(2);
    const f = ethFrame(100, 4);
    r.front.queueFrame(f, 7);
    r.front.pushTx();
    r.pump();
    expect(r.front.takeTx()).toEqual([{ id: 7, status: NetifStatus.okay }]);
    expect(r.bridge.sent.at(-1)).toEqual(f);

    r.back.stop();
    expect(r.be('state')).toBe(String(XenbusState.Closed));
    expect(r.bridge.detaches).toBe(2);
    expect(r.foreignMaps()).toBe(0);
    r.vmm.destroy(r.domid);
    expect(() => r.vmm.domainInfo(r.domid)).toThrow(/no domain/);
  });

  it('leaves the bridge when the front end directory disappears', () => {
    const r = rig();
    r.xs.rm(r.front.frontend);
    expect(r.back.connected).toBe(false);
    expect(r.bridge.detaches).toBe(1);
    expect(r.foreignMaps()).toBe(0);
  });
});

describe('netback: TX, guest → bridge', () => {
  it('puts several frames on the bridge in ring order, byte for byte, and answers each OKAY', () => {
    const r = rig();
    const frames = [ethFrame(60, 1), ethFrame(1514, 2), ethFrame(14, 3), ethFrame(342, 4)];
    r.front.queueFrame(frames[0]!, 10, { page: 0, offset: 0 });
    r.front.queueFrame(frames[1]!, 11, { page: 1, offset: 4096 - 1514 }); // flush with the page end
    r.front.queueFrame(frames[2]!, 12, { page: 2, offset: 2 });
    r.front.queueFrame(frames[3]!, 13, { page: 3, offset: 1000 });
    expect(r.front.pushTx()).toBe(true);
    r.pump();
    expect(r.bridge.sent).toEqual(frames);
    expect(r.front.takeTx()).toEqual([10, 11, 12, 13].map((id) => ({ id, status: 0 })));
    expect(r.front.notified()).toBe(true);
    expect(r.back.stats).toMatchObject({
      txFrames: 4,
      txBytes: 60 + 1514 + 14 + 342,
      txErrors: 0,
      protocolErrors: 0,
      notificationsIn: 1,
      notificationsOut: 1,
    });
    expect(r.foreignMaps()).toBe(2); // data grants were unmapped after the copy
    expect(r.front.tx.get('req_event')).toBe(5); // RING_FINAL_CHECK: tell me about request 5
    // What the guest wrote later does not change what was sent.
    r.front.txData(0).fill(0);
    expect(r.bridge.sent[0]).toEqual(frames[0]);
  });

  it('takes a full ring (256 requests) on one notification and keeps going across index wrap-around', () => {
    const r = rig();
    const sent: Uint8Array[] = [];
    let id = 0;
    for (let round = 0; round < 3; round++) {
      const n = round === 0 ? NET_TX_RING_SIZE : 100;
      for (let i = 0; i < n; i++) {
        // Each ring slot has its own 120-byte place in the eight data pages.
        const f = ethFrame(60 + (id % 40), id);
        const s = id % NET_TX_RING_SIZE;
        r.front.queueFrame(f, id, { page: s >> 5, offset: (s & 31) * 120 });
        sent.push(f);
        id++;
      }
      expect(r.front.pushTx()).toBe(true); // req_event = req_cons + 1 each time
      r.pump();
      const rsp = r.front.takeTx();
      expect(rsp).toHaveLength(n);
      expect(rsp.every((x) => x.status === NetifStatus.okay)).toBe(true);
    }
    expect(r.bridge.sent).toHaveLength(sent.length);
    expect(r.bridge.sent.every((f, i) => sameBytes(f, sent[i]!))).toBe(true);
    expect(r.back.stats.txFrames).toBe(456);
  });

  it('holds off notifications: one per batch, none for responses the front did not ask about', () => {
    const r = rig();
    r.front.queueFrame(ethFrame(60, 1), 1);
    r.front.pushTx();
    r.pump();
    expect(r.front.notified()).toBe(true);
    expect(r.front.takeTx()).toHaveLength(1);
    // The front consumed without RING_FINAL_CHECK_FOR_RESPONSES: rsp_event stays at 1.
    r.front.queueFrame(ethFrame(60, 2), 2);
    expect(r.front.pushTx()).toBe(true); // req_event = 2 asked for it
    r.pump();
    expect(r.front.notified()).toBe(false);
    expect(r.back.stats.notificationsHeldOff).toBe(1);
    expect(r.front.takeTx()).toEqual([{ id: 2, status: 0 }]);
    // Back end busy (asks for nothing): three queued without a notification are not taken…
    r.front.tx.set('req_event', 1000);
    for (const n of [3, 4, 5]) r.front.queueFrame(ethFrame(60, n), n);
    expect(r.front.pushTx()).toBe(false);
    r.pump();
    expect(r.front.takeTx()).toEqual([]);
    // …until one notification carries all three.
    expect(r.front.tx.finalCheck()).toBe(false); // rsp_event = rsp_cons + 1: wants the next one
    r.front.notify();
    r.pump();
    expect(r.front.takeTx().map((x) => x.id)).toEqual([3, 4, 5]);
    expect(r.front.notified()).toBe(true);
    expect(r.back.stats.notificationsIn).toBe(3);
    expect(r.back.stats.notificationsOut).toBe(2);
  });

  it('takes a frame from a read-only grant (TX only reads)', () => {
    const r = rig();
    r.front.grant(40, 0x120, { readonly: true });
    const f = ethFrame(80, 9);
    r.front.page(0x120).set(f, 16);
    r.front.queueTx({ gref: 40, offset: 16, flags: 0, id: 1, size: 80 });
    r.front.pushTx();
    r.pump();
    expect(r.front.takeTx()).toEqual([{ id: 1, status: 0 }]);
    expect(r.bridge.sent).toEqual([f]);
  });
});

describe('netback: TX garbage gets NETIF_RSP_ERROR, never an exception', () => {
  const good = (f: FakeNetfront): TxRequest => {
    f.txData(0).set(ethFrame(60, 5));
    return { gref: txRef(0), offset: 0, flags: 0, id: 1, size: 60 };
  };
  const cases: [string, (f: FakeNetfront) => TxRequest][] = [
    ['size 0', (f) => ({ ...good(f), size: 0 })],
    ['size 13 (shorter than a header)', (f) => ({ ...good(f), size: 13 })],
    ['size 1515 (longer than a frame)', (f) => ({ ...good(f), size: 1515 })],
    ['size 65535', (f) => ({ ...good(f), size: 65535 })],
    ['offset + size past the page', (f) => ({ ...good(f), offset: 4096 - 59 })],
    ['offset 65535', (f) => ({ ...good(f), offset: 65535 })],
    ['a grant reference never granted', (f) => ({ ...good(f), gref: 300 })],
    ['a grant reference beyond the table', (f) => ({ ...good(f), gref: 0xffffffff })],
    ['a grant for another domain', (f) => ({ ...good(f), gref: f.grant(41, 0x121, { domid: 7 }) })],
    [
      'a revoked grant',
      (f) => {
        f.revoke(txRef(0));
        return good(f);
      },
    ],
  ];

  it.each(cases)('%s', (_w, spoil) => {
    const r = rig();
    r.front.queueTx(spoil(r.front));
    r.front.pushTx();
    r.pump();
    const rsp = r.front.takeTx();
    expect(rsp[0]).toEqual({ id: 1, status: NetifStatus.error });
    expect(r.bridge.sent).toEqual([]);
    expect(r.back.stats.txErrors).toBe(rsp.length);
    expect(r.back.stats.protocolErrors).toBe(1);
    expect(r.problems).toHaveLength(1);
    expect(r.vmm.errors).toEqual([]);
    expect(r.foreignMaps()).toBe(2); // nothing left mapped but the rings
    // The ring still works afterwards.
    r.front.grant(txRef(1), TX_DATA_PAGE0 + 1);
    const f = ethFrame(64, 6);
    r.front.queueFrame(f, 2, { page: 1 });
    r.front.tx.finalCheck();
    r.front.pushTx();
    r.front.notify();
    r.pump();
    expect(r.front.takeTx()).toEqual([{ id: 2, status: NetifStatus.okay }]);
    expect(r.bridge.sent).toEqual([f]);
  });

  it('refuses every slot of a multi-slot (more_data) frame and sends none of its pieces', () => {
    const r = rig();
    r.front.txData(0).set(ethFrame(1514, 1));
    r.front.queueTx({ gref: txRef(0), offset: 0, flags: NetifTxFlag.more_data, id: 1, size: 1514 });
    r.front.queueTx({ gref: txRef(0), offset: 0, flags: NetifTxFlag.more_data, id: 2, size: 100 });
    r.front.queueTx({ gref: txRef(0), offset: 100, flags: 0, id: 3, size: 100 }); // last piece
    const f = ethFrame(60, 2);
    r.front.queueFrame(f, 4, { page: 1 }); // the next frame is fine
    r.front.pushTx();
    r.pump();
    expect(r.front.takeTx()).toEqual([
      { id: 1, status: NetifStatus.error },
      { id: 2, status: NetifStatus.error },
      { id: 3, status: NetifStatus.error },
      { id: 4, status: NetifStatus.okay },
    ]);
    expect(r.bridge.sent).toEqual([f]);
    expect(r.back.stats).toMatchObject({ txErrors: 3, txFrames: 1, protocolErrors: 1 });
  });

  it('refuses a frame with extra info and answers its extra slots NETIF_RSP_NULL', () => {
    const r = rig();
    r.front.txData(0).set(ethFrame(60, 1));
    r.front.queueTx({ gref: txRef(0), offset: 0, flags: NetifTxFlag.extra_info, id: 1, size: 60 });
    r.front.queueExtra(1 /* GSO */, XEN_NETIF_EXTRA_FLAG_MORE);
    r.front.queueExtra(2 /* MCAST_ADD */, 0);
    const f = ethFrame(70, 2);
    r.front.queueFrame(f, 2, { page: 1 });
    r.front.pushTx();
    r.pump();
    const rsp = r.front.takeTx();
    expect(rsp.map((x) => x.status)).toEqual([
      NetifStatus.error,
      NetifStatus.null,
      NetifStatus.null,
      NetifStatus.okay,
    ]);
    expect([rsp[0]?.id, rsp[3]?.id]).toEqual([1, 2]);
    expect(r.bridge.sent).toEqual([f]);
  });

  it('logs a flood of bad requests a few times, counts all of them', () => {
    const r = rig();
    for (let i = 0; i < 100; i++)
      r.front.queueTx({ gref: 300, offset: 0, flags: 0, id: i, size: 60 });
    r.front.pushTx();
    r.pump();
    expect(r.front.takeTx()).toHaveLength(100);
    expect(r.back.stats.protocolErrors).toBe(100);
    expect(r.problems.length).toBeLessThanOrEqual(8);
    expect(r.problems.at(-1)).toMatch(/only counted/);
  });
});

describe('netback: RX, bridge → guest', () => {
  it('copies frames into posted buffers at offset 0 and answers with their lengths', () => {
    const r = rig();
    for (const j of [0, 1, 2, 3]) r.front.queueRx(j, 100 + j);
    expect(r.front.pushRx()).toBe(true);
    r.pump();
    expect(r.front.takeRx()).toEqual([]); // no frames yet
    r.front.rxBuffer(1).fill(0xee);
    const a = ethFrame(60, 1, MAC, PEER);
    const b = ethFrame(1514, 2, MAC, PEER);
    expect(r.bridge.deliver(a)).toBe(true);
    expect(r.bridge.deliver(b)).toBe(true);
    expect(r.front.takeRx()).toEqual([
      { id: 100, offset: 0, flags: 0, status: 60 },
      { id: 101, offset: 0, flags: 0, status: 1514 },
    ]);
    expect(sameBytes(r.front.rxBuffer(0).subarray(0, 60), a)).toBe(true);
    expect(sameBytes(r.front.rxBuffer(1).subarray(0, 1514), b)).toBe(true);
    expect(r.front.rxBuffer(1)[1514]).toBe(0xee); // nothing written past the frame
    expect(r.front.notified()).toBe(true);
    expect(r.back.stats).toMatchObject({ rxFrames: 2, rxBytes: 1574, rxDropped: 0 });
    expect(r.foreignMaps()).toBe(2);
  });

  it('queues frames that arrive before buffers, and delivers them in order once buffers are posted', () => {
    const r = rig();
    const frames = [1, 2, 3].map((s) => ethFrame(60 + s, s, MAC, PEER));
    for (const f of frames) expect(r.bridge.deliver(f)).toBe(true);
    expect(r.back.rxQueued).toBe(3);
    expect(r.front.rx.get('req_event')).toBe(1); // asked to hear of the next buffer
    expect(r.front.notified()).toBe(false);
    // Two buffers: their push notifies, the first two frames land.
    r.front.queueRx(0);
    r.front.queueRx(1);
    expect(r.front.pushRx()).toBe(true);
    r.pump();
    expect(r.front.takeRx().map((x) => x.status)).toEqual([61, 62]);
    expect(r.back.rxQueued).toBe(1);
    expect(r.front.rx.get('req_event')).toBe(3);
    // One more: the third.
    r.front.queueRx(2);
    expect(r.front.pushRx()).toBe(true);
    r.pump();
    expect(r.front.takeRx()).toEqual([{ id: 2, offset: 0, flags: 0, status: 63 }]);
    expect(frames.every((f, j) => sameBytes(r.front.rxBuffer(j).subarray(0, f.length), f))).toBe(
      true,
    );
    expect(r.back.rxQueued).toBe(0);
    // With nothing queued, further buffers need no notification.
    r.front.queueRx(3);
    expect(r.front.pushRx()).toBe(false);
  });

  it('drops (and counts) frames beyond the queue bound, keeps the rest', () => {
    const r = rig();
    expect(NETBACK_RX_QUEUE_LIMIT).toBe(256);
    for (let i = 0; i < NETBACK_RX_QUEUE_LIMIT; i++)
      expect(r.bridge.deliver(ethFrame(60, i, MAC, PEER))).toBe(true);
    expect(r.bridge.deliver(ethFrame(60, 999, MAC, PEER))).toBe(false);
    expect(r.bridge.deliver(ethFrame(60, 998, MAC, PEER))).toBe(false);
    expect(r.back.stats.rxDropped).toBe(2);
    expect(r.back.rxQueued).toBe(256);
    // A full ring of buffers (32 pages, each reused by 8 requests) takes them all.
    for (let k = 0; k < NET_RX_RING_SIZE; k++) r.front.queueRx(k % RX_BUFFERS, k);
    r.front.pushRx();
    r.pump();
    const rsp = r.front.takeRx();
    expect(rsp).toHaveLength(256);
    expect(rsp.map((x) => x.id)).toEqual([...Array(256).keys()]);
    expect(r.back.stats.rxFrames).toBe(256);
    // The last frame in buffer 31 is frame 255.
    expect(sameBytes(r.front.rxBuffer(31).subarray(0, 60), ethFrame(60, 255, MAC, PEER))).toBe(
      true,
    );
  });

  it('honours a smaller rxQueueLimit', () => {
    const r = rig({ rxQueueLimit: 2 });
    expect([1, 2, 3].map((s) => r.bridge.deliver(ethFrame(60, s)))).toEqual([true, true, false]);
  });

  it.each([
    ['a buffer grant never granted', (f: FakeNetfront) => f.queueRx(0, 7, 300)],
    [
      'a read-only buffer grant',
      (f: FakeNetfront) => f.queueRx(0, 7, f.grant(42, 0x122, { readonly: true })),
    ],
    ['a buffer grant beyond the table', (f: FakeNetfront) => f.queueRx(0, 7, 0xffffffff)],
  ])('answers %s NETIF_RSP_ERROR and puts the frame in the next buffer', (_w, spoil) => {
    const r = rig();
    spoil(r.front);
    r.front.queueRx(1, 8);
    r.front.pushRx();
    r.pump();
    const f = ethFrame(90, 3, MAC, PEER);
    expect(r.bridge.deliver(f)).toBe(true);
    expect(r.front.takeRx()).toEqual([
      { id: 7, offset: 0, flags: 0, status: NetifStatus.error },
      { id: 8, offset: 0, flags: 0, status: 90 },
    ]);
    expect(sameBytes(r.front.rxBuffer(1).subarray(0, 90), f)).toBe(true);
    expect(r.back.stats).toMatchObject({ rxErrors: 1, rxFrames: 1, protocolErrors: 1 });
    expect(r.foreignMaps()).toBe(2);
    expect(r.vmm.errors).toEqual([]);
  });

  it('takes frames the bridge delivers while our own transmit is in progress', () => {
    const r = rig();
    r.front.queueRx(0);
    r.front.queueRx(1);
    r.front.pushRx();
    r.pump();
    // The bridge answers each frame at once (as Domain-0's ARP/ICMP responder would, from its queue).
    r.bridge.reply = (frame, port) => {
      const echo = frame.slice();
      echo.set(frame.subarray(6, 12), 0);
      echo.set(frame.subarray(0, 6), 6);
      port.deliver(echo);
    };
    r.front.queueFrame(ethFrame(60, 1), 1, { page: 0 });
    r.front.queueFrame(ethFrame(70, 2), 2, { page: 1 });
    r.front.pushTx();
    r.pump();
    expect(r.front.takeTx().map((x) => x.status)).toEqual([0, 0]);
    expect(r.front.takeRx().map((x) => x.status)).toEqual([60, 70]);
    expect(r.front.rxBuffer(1).subarray(0, 6)).toEqual(
      Uint8Array.from(MAC.split(':').map((h) => parseInt(h, 16))),
    );
  });
});

describe('netback: rings with hostile indices', () => {
  it('halts a TX ring whose req_prod runs more than a ring ahead, reports it, and stays up', () => {
    const r = rig();
    r.front.tx.set('req_prod', 1000);
    r.front.notify();
    r.pump();
    expect(r.back.stats.protocolErrors).toBe(1);
    expect(r.be('error')).toMatch(/bogus TX ring requests/);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.bridge.sent).toEqual([]);
    expect(r.front.takeTx()).toEqual([]);
    expect(r.back.deliver(ethFrame(60, 1))).toBe(false); // a halted vif takes nothing
    expect(r.vmm.errors).toEqual([]);
    // The front closes in turn: everything is released.
    r.front.setState(XenbusState.Closed);
    expect(r.foreignMaps()).toBe(0);
    expect(r.be('state')).toBe(String(XenbusState.Closed));
  });

  it('halts an RX ring whose req_prod runs more than a ring ahead when a frame arrives', () => {
    const r = rig();
    r.front.rx.set('req_prod', 0x8000_0000);
    r.front.notify();
    r.pump(); // nothing to receive yet: the RX ring is not read
    expect(r.back.stats.protocolErrors).toBe(0);
    expect(r.back.deliver(ethFrame(60, 1))).toBe(false);
    expect(r.back.stats.rxDropped).toBe(1);
    expect(r.back.stats.protocolErrors).toBe(1);
    expect(r.be('error')).toMatch(/bogus RX ring requests/);
    expect(r.front.takeRx()).toEqual([]);
    expect(r.back.deliver(ethFrame(60, 2))).toBe(false);
  });

  it('follows indices that start near 2^32 (BACK_RING_ATTACH at the shared rsp_prod) across the wrap', () => {
    const r = rig({ connect: false });
    // A front that initialised its rings at 2^32 − 3 before connecting (legal: indices are free-running).
    const start = 0xffff_fffd;
    const origInit = r.front.tx.init.bind(r.front.tx);
    const origRxInit = r.front.rx.init.bind(r.front.rx);
    for (const [ring, init] of [
      [r.front.tx, origInit],
      [r.front.rx, origRxInit],
    ] as const) {
      ring.init = () => {
        init();
        for (const k of ['req_prod', 'rsp_prod'] as const) ring.set(k, start);
        ring.set('req_event', start + 1);
        ring.set('rsp_event', start + 1);
        ring.reqProdPvt = start;
        ring.rspCons = start;
      };
    }
    r.front.connect();
    expect(r.back.connected).toBe(true);
    const frames = [1, 2, 3, 4, 5, 6].map((s) => ethFrame(60 + s, s));
    frames.forEach((f, i) => r.front.queueFrame(f, i, { page: i }));
    for (let j = 0; j < 6; j++) r.front.queueRx(j);
    r.front.pushTx();
    r.front.pushRx();
    r.pump();
    expect(r.front.takeTx().map((x) => x.status)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.bridge.sent).toEqual(frames);
    for (const f of frames) r.bridge.deliver(f);
    expect(r.front.takeRx().map((x) => x.status)).toEqual(frames.map((f) => f.length));
    expect(r.front.tx.rspCons).toBe(3); // wrapped
    expect(r.back.stats.protocolErrors).toBe(0);
  });

  it('halts a ring whose rsp_prod the front scribbled over before connecting', () => {
    const r = rig({ connect: false });
    const origInit = r.front.tx.init.bind(r.front.tx);
    r.front.tx.init = () => {
      origInit();
      r.front.tx.set('rsp_prod', 12345); // req_prod 0 is now 2^32 − 12345 requests ahead
    };
    r.front.connect();
    r.front.queueFrame(ethFrame(60, 1), 1);
    r.front.pushTx();
    r.front.notify();
    r.pump();
    expect(r.back.stats.protocolErrors).toBe(1);
    expect(r.be('state')).toBe(String(XenbusState.Closing));
    expect(r.bridge.sent).toEqual([]);
    expect(r.vmm.errors).toEqual([]);
  });
});
