/**
 * The server end of a guest's xenstore ring: the shared page laid out as
 * xs_wire.h's
 *
 *   struct xenstore_domain_interface {
 *       char req[1024];                 requests, guest → xenstored
 *       char rsp[1024];                 replies and watch events
 *       uint32_t req_cons, req_prod;    free-running indices,
 *       uint32_t rsp_cons, rsp_prod;    MASK_XENSTORE_IDX() into the arrays
 *       uint32_t server_features;       XENSTORE_SERVER_FEATURE_*
 *       uint32_t connection;            XENSTORE_CONNECTED / _RECONNECT
 *       uint32_t error;                 XENSTORE_ERROR_*
 *   };
 *
 * The VM server attaches one of these to each PV guest's xenstore page and
 * calls service() whenever the guest notifies the xenstore event channel;
 * `notify` is how the server signals the guest back. Whatever the guest
 * writes there, service() does not throw: bad requests get XS_ERROR
 * replies, bad ring indices or oversized messages close the connection
 * and set the `error` field.
 */
import type { XsConnection } from './xenstore.ts';
import { handleXsRequest, type XsRequestHooks } from './xs-request.ts';
import {
  encodeMessage,
  stringsPayload,
  XsMessageReader,
  XsType,
  type XsMessage,
} from './xs-wire.ts';

export const XENSTORE_RING_SIZE = 1024;

export function maskXenstoreIdx(idx: number): number {
  return idx & (XENSTORE_RING_SIZE - 1);
}

/** Byte offsets of struct xenstore_domain_interface. */
export const XenstoreInterface = {
  req: 0,
  rsp: 1024,
  reqCons: 2048,
  reqProd: 2052,
  rspCons: 2056,
  rspProd: 2060,
  serverFeatures: 2064,
  connection: 2068,
  error: 2072,
  /** Bytes the server touches. */
  size: 2076,
} as const;

export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

export interface XenstoreRingStats {
  requests: number;
  replies: number;
  events: number;
  droppedEvents: number;
  bytesIn: number;
  bytesOut: number;
}

export interface XenstoreRingOptions {
  /**
   * Output the server will hold for a guest that does not read its ring.
   * Beyond it, requests wait unread and watch events are dropped.
   */
  readonly maxQueuedBytes?: number;
  readonly hooks?: XsRequestHooks;
  /** Told when the guest broke the protocol and the connection was closed. */
  readonly onProtocolError?: (reason: string) => void;
}

export class XenstoreRingServer {
  readonly stats: XenstoreRingStats = {
    requests: 0,
    replies: 0,
    events: 0,
    droppedEvents: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  private readonly view: DataView;
  private readonly reader = new XsMessageReader();
  private readonly out: Uint8Array[] = [];
  /** Bytes of out[0] already on the ring. */
  private outSent = 0;
  private queued = 0;
  private servicing = false;
  private detached = false;
  private failure: string | undefined;
  private readonly maxQueued: number;

  constructor(
    readonly conn: XsConnection,
    private readonly page: Uint8Array,
    private readonly notify: () => void,
    private readonly options: XenstoreRingOptions = {},
  ) {
    if (page.length < XenstoreInterface.size) {
      throw new RangeError(`xenstore page must be at least ${XenstoreInterface.size} bytes`);
    }
    this.view = new DataView(page.buffer, page.byteOffset, XenstoreInterface.size);
    this.maxQueued = options.maxQueuedBytes ?? 64 * 1024;
    this.set(
      XenstoreInterface.serverFeatures,
      XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR,
    );
    this.set(XenstoreInterface.error, XENSTORE_ERROR_NONE);
    conn.onWatchEvent = (path, token) => this.queueEvent(path, token);
  }

  /** Why the connection was closed, if it was. */
  get error(): string | undefined {
    return this.failure;
  }

  /** Bytes of replies and events waiting for ring space. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Stops serving; the ring page is left as it is. */
  detach(): void {
    this.detached = true;
    if (this.conn.onWatchEvent) this.conn.onWatchEvent = undefined;
  }

  /**
   * Consumes every complete request on the ring, answers it, and moves
   * queued output onto the ring; notifies the guest if anything moved.
   */
  service(): void {
    if (this.detached || this.conn.closed) return;
    this.servicing = true;
    let moved = false;
    try {
      if (this.get(XenstoreInterface.connection) === XENSTORE_RECONNECT) {
        this.reconnect();
        moved = true;
      }
      if (this.failure) return;
      for (;;) {
        const wrote = this.writeOutput();
        if (wrote < 0) break;
        let progress = wrote > 0;
        if (this.queued <= this.maxQueued) {
          const read = this.readInput();
          if (read < 0) break;
          progress ||= read > 0;
          moved ||= read > 0;
          if (!this.processMessages()) break;
        }
        moved ||= wrote > 0;
        if (!progress) break;
      }
    } finally {
      this.servicing = false;
    }
    if (moved) this.notify();
  }

  private get(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  private set(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0, true);
  }

  /** Reads what the current message still needs; -1 on a ring index error. */
  private readInput(): number {
    const cons = this.get(XenstoreInterface.reqCons);
    const prod = this.get(XenstoreInterface.reqProd);
    const avail = (prod - cons) >>> 0;
    if (avail > XENSTORE_RING_SIZE) {
      this.fail(
        XENSTORE_ERROR_RINGIDX,
        `request ring indices out of range (cons ${cons}, prod ${prod})`,
      );
      return -1;
    }
    let n = Math.min(avail, this.reader.wanted);
    let done = 0;
    while (n > 0) {
      const at = maskXenstoreIdx(cons + done);
      const chunk = Math.min(n, XENSTORE_RING_SIZE - at);
      this.reader.push(
        this.page.subarray(XenstoreInterface.req + at, XenstoreInterface.req + at + chunk),
      );
      done += chunk;
      n -= chunk;
    }
    if (done > 0) {
      this.set(XenstoreInterface.reqCons, cons + done);
      this.stats.bytesIn += done;
    }
    return done;
  }

  /** Answers complete requests; false if the stream broke the protocol. */
  private processMessages(): boolean {
    for (let msg = this.reader.next(); msg; msg = this.reader.next()) {
      if (this.conn.closed) return false; // the domain was released meanwhile
      this.stats.requests++;
      const req = msg;
      // Events this request causes for us come after its reply (conn.run).
      this.conn.run(() => {
        this.enqueue(encodeMessage(handleXsRequest(this.conn, req, this.options.hooks ?? {})));
        this.stats.replies++;
      });
    }
    if (this.reader.broken) {
      this.fail(XENSTORE_ERROR_PROTO, this.reader.broken);
      return false;
    }
    return true;
  }

  /** Copies queued output into free ring space; -1 on a ring index error. */
  private writeOutput(): number {
    if (this.out.length === 0) return 0;
    const cons = this.get(XenstoreInterface.rspCons);
    const prod = this.get(XenstoreInterface.rspProd);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(
        XENSTORE_ERROR_RINGIDX,
        `reply ring indices out of range (cons ${cons}, prod ${prod})`,
      );
      return -1;
    }
    let space = XENSTORE_RING_SIZE - used;
    let written = 0;
    while (space > 0 && this.out.length > 0) {
      const msg = this.out[0] as Uint8Array;
      const at = maskXenstoreIdx(prod + written);
      const chunk = Math.min(space, msg.length - this.outSent, XENSTORE_RING_SIZE - at);
      this.page.set(msg.subarray(this.outSent, this.outSent + chunk), XenstoreInterface.rsp + at);
      written += chunk;
      space -= chunk;
      this.outSent += chunk;
      if (this.outSent === msg.length) {
        this.out.shift();
        this.outSent = 0;
      }
    }
    if (written > 0) {
      // The data is in place before the index that publishes it.
      this.set(XenstoreInterface.rspProd, prod + written);
      this.queued -= written;
      this.stats.bytesOut += written;
    }
    return written;
  }

  private enqueue(bytes: Uint8Array): void {
    this.out.push(bytes);
    this.queued += bytes.length;
  }

  /** A watch fired for this guest: XS_WATCH_EVENT <path>|<token>|, req_id and tx_id 0. */
  private queueEvent(path: string, token: string): void {
    if (this.detached || this.failure) return;
    const msg: XsMessage = {
      type: XsType.WATCH_EVENT,
      reqId: 0,
      txId: 0,
      payload: stringsPayload([path, token]),
    };
    const bytes = encodeMessage(msg);
    if (this.queued + bytes.length > this.maxQueued) {
      this.stats.droppedEvents++;
      return;
    }
    this.enqueue(bytes);
    this.stats.events++;
    if (!this.servicing && this.writeOutput() > 0) this.notify();
  }

  private fail(code: number, reason: string): void {
    this.failure = reason;
    this.set(XenstoreInterface.error, code);
    this.conn.resetWatches();
    this.out.length = 0;
    this.outSent = 0;
    this.queued = 0;
    this.options.onProtocolError?.(reason);
  }

  /** The guest asked to start over (XENSTORE_RECONNECT): reset everything. */
  private reconnect(): void {
    this.conn.resetWatches();
    this.reader.reset();
    this.out.length = 0;
    this.outSent = 0;
    this.queued = 0;
    this.failure = undefined;
    for (const off of [
      XenstoreInterface.reqCons,
      XenstoreInterface.reqProd,
      XenstoreInterface.rspCons,
      XenstoreInterface.rspProd,
    ]) {
      this.set(off, 0);
    }
    this.set(XenstoreInterface.error, XENSTORE_ERROR_NONE);
    this.set(XenstoreInterface.connection, XENSTORE_CONNECTED);
  }
}
