import { GNTST } from '../../vmm/abi/grant-table';
import { PAGE_SIZE } from '../../vmm/abi/hypercall';
import { NetifStatus, NetifTxFlag, XEN_NETIF_EXTRA_FLAG_MORE } from '../../vmm/abi/ring';
import { XenbusState } from '../../vmm/abi/xenbus-state';
import {
  ETH_HEADER_SIZE,
  ETH_MAX_FRAME,
  parseMac,
  type EthernetLink,
  type EthernetPort,
  type MacAddress,
} from '../network/ethernet';
import type { BackRing } from './back-ring';
import {
  NetifRxBackRing,
  NetifTxBackRing,
  type NetifRxRequestView,
  type NetifTxRequestView,
} from './netif-back-ring';
import {
  XenbusBackend,
  type XenbusBackendOptions,
  type XenbusBackendStats,
} from './xenbus-backend';

/**
 * netback: the VM server's back end of a PV guest's virtual NIC (Linux
 * drivers/net/xen-netback, xen/include/public/io/netif.h), and that NIC's
 * port on the bridge xenbr0.
 *
 * Handshake over xenstore (io/xenbus.h), as XenbusBackend runs it: we publish our
 * features (rx-copy only; no scatter-gather, no GSO) and go to InitWait;
 * when the front end reaches Initialised (or Connected) we read its
 * tx-ring-ref, rx-ring-ref and event-channel, insist on request-rx-copy=1,
 * map both rings, bind the one event channel, join the bridge and go to
 * Connected. The front closing makes us leave the bridge, unmap, unbind and
 * follow it to Closing and Closed; a front that comes back to Initialising
 * after that gets InitWait again (a rebooted guest).
 *
 * TX (guest → bridge): one frame is one request — a granted page, offset
 * and size. We map it read-only, copy the frame out, answer and put the
 * frame on the bridge. RX (bridge → guest): frames wait in a bounded queue
 * until the guest has posted a receive buffer (an RX request with a
 * granted page); we copy the frame to offset 0 of that page and answer
 * with its length. Whatever the guest puts on the rings, the answer is a
 * response (OKAY, ERROR, NULL for an extra-info slot) or, for a ring whose
 * indices make no sense, a halted ring — never an exception.
 *
 * Counters are from the guest's side, as xentop shows them: TX is what the
 * guest sent (NETTX), RX what it received (NETRX).
 */

export interface NetbackOptions extends XenbusBackendOptions {
  /** The guest NIC's MAC (the toolstack's, as in the device's `mac` key). */
  readonly mac: MacAddress;
  /** Joins a port to the bridge (the lead passes `bridge.attach`). */
  readonly attach: (port: EthernetPort) => EthernetLink;
  /** Frames held for a guest that has not posted receive buffers, at most (then dropped). */
  readonly rxQueueLimit?: number;
}

export interface NetbackStats extends XenbusBackendStats {
  /** Frames the guest sent that went on the bridge (xentop NETTX, in frames). */
  txFrames: number;
  /** Their bytes (xentop NETTX is this / 1024). */
  txBytes: number;
  /** TX requests answered NETIF_RSP_ERROR (every slot of a refused frame). */
  txErrors: number;
  /** Frames copied into the guest's receive buffers (xentop NETRX, in frames). */
  rxFrames: number;
  /** Their bytes (xentop NETRX is this / 1024). */
  rxBytes: number;
  /** Frames for the guest dropped: queue full, front not connected, or still queued at disconnect. */
  rxDropped: number;
  /** RX requests answered NETIF_RSP_ERROR (a receive buffer that could not be mapped). */
  rxErrors: number;
  /** Requests and rings that broke netif.h: bad TX requests, bad RX buffers, runaway indices. */
  protocolErrors: number;
}

/** Frames queued for a guest without receive buffers (Linux's default rx queue is 256 too). */
export const NETBACK_RX_QUEUE_LIMIT = 256;

/**
 * NETRXF_* of our RX responses: none. Not data_validated — frames from the
 * bridge carry whatever checksums their senders computed, and we check none.
 */
const RX_FLAGS = 0;

export class Netback extends XenbusBackend<NetbackOptions> implements EthernetPort {
  readonly name: string;
  readonly mac: MacAddress;
  override readonly stats: NetbackStats = {
    txFrames: 0,
    txBytes: 0,
    txErrors: 0,
    rxFrames: 0,
    rxBytes: 0,
    rxDropped: 0,
    rxErrors: 0,
    notificationsIn: 0,
    notificationsOut: 0,
    notificationsHeldOff: 0,
    protocolErrors: 0,
  };

  private readonly rxQueueLimit: number;
  private tx: NetifTxBackRing | null = null;
  private rx: NetifRxBackRing | null = null;
  private link: EthernetLink | null = null;
  /** Frames from the bridge waiting for a receive buffer (copies: the bridge's frames are not ours). */
  private rxQueue: Uint8Array[] = [];
  /** The TX slots to come belong to a frame already refused: extra-info slots, then more_data slots. */
  private txExtrasPending = false;
  private txChainPending = false;
  /** Guards against re-entry (a frame we transmit may come back to deliver() at once). */
  private txBusy = false;
  private txAgain = false;
  private rxBusy = false;

  constructor(opts: NetbackOptions) {
    super(opts, 'vif', 'netback');
    parseMac(opts.mac); // a toolstack mistake, not guest input: throw now
    this.mac = opts.mac.toLowerCase();
    this.rxQueueLimit = opts.rxQueueLimit ?? NETBACK_RX_QUEUE_LIMIT;
    const vifname = this.xs.tryReadString(`${this.backendPath}/vifname`);
    this.name =
      vifname !== undefined && vifname !== '' ? vifname : `vif${opts.domid}.${opts.devid}`;
  }

  /** Rings mapped, event channel bound, on the bridge. */
  override get connected(): boolean {
    return this.tx !== null && this.rx !== null;
  }

  /** Frames waiting for the guest to post receive buffers. */
  get rxQueued(): number {
    return this.rxQueue.length;
  }

  /** Stops following the front end, leaves the bridge, unmaps and unbinds. */
  stop(): void {
    if (!this.stopFollowing()) return;
    this.disconnect();
    this.closeDevice();
  }

  // ---------------------------------------------------------------- the bridge's side

  /**
   * A frame from the bridge for the guest: copied into a posted receive
   * buffer now, or queued until one is posted. False (and counted) when
   * the front is not connected or the queue is full.
   */
  deliver(frame: Uint8Array): boolean {
    if (
      !this.connected ||
      this.halted ||
      frame.length < ETH_HEADER_SIZE ||
      frame.length > ETH_MAX_FRAME
    ) {
      this.stats.rxDropped++;
      return false;
    }
    if (this.rxQueue.length >= this.rxQueueLimit) {
      this.stats.rxDropped++;
      return false;
    }
    this.rxQueue.push(frame.slice());
    if (this.drainRx()) this.notifyFrontend();
    if (this.halted) {
      // The RX ring turned out to be bogus: nothing queued will ever be taken.
      this.stats.rxDropped += this.rxQueue.length;
      this.rxQueue = [];
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- xenbus

  /** rx-copy only: no page flipping, scatter-gather or GSO (the same keys at every InitWait). */
  protected override advertise(): void {
    const be = this.backendPath;
    this.xs.transaction((tx) => {
      this.xs.write(`${be}/feature-rx-copy`, '1', tx);
      this.xs.write(`${be}/feature-rx-flip`, '0', tx);
      this.xs.write(`${be}/feature-sg`, '0', tx);
      this.xs.write(`${be}/feature-gso-tcpv4`, '0', tx);
    });
  }

  /** netback's set_backend_state: leave the data path first, then say Closing. */
  protected override frontendClosing(): void {
    this.disconnect();
  }

  /** connect_data_rings + xenvif_connect_data: both rings, the event channel, the bridge. */
  protected override connect(): void {
    const keys = this.gather('tx-ring-ref', 'rx-ring-ref', 'event-channel');
    if (!keys) return;
    const [txRef, rxRef, remotePort] = keys;
    // We only copy into the guest's buffers; page flipping is long gone (netif.h "feature-rx-flip").
    if (this.readNumber('request-rx-copy') !== 1)
      return this.fatal('the front end does not request rx-copy, the only receive mode offered');
    const maps = this.mapRingsAndBind(
      [
        ['tx-ring-ref', txRef],
        ['rx-ring-ref', rxRef],
      ],
      remotePort,
      () => this.notified(),
    );
    if (!maps) return;
    let link: EthernetLink;
    try {
      link = this.opts.attach(this);
    } catch (e) {
      this.releaseRings();
      return this.fatal(`joining the bridge: ${e instanceof Error ? e.message : String(e)}`);
    }
    const [txMap, rxMap] = maps;
    this.tx = new NetifTxBackRing(txMap.view);
    this.rx = new NetifRxBackRing(rxMap.view);
    this.link = link;
    this.txExtrasPending = false;
    this.txChainPending = false;
    this.switchState(XenbusState.Connected);
    // Requests the front queued before we were connected.
    this.notified(false);
  }

  /** xenvif_disconnect_data: off the bridge, unbind, unmap; queued frames are dropped. */
  protected override disconnect(): void {
    if (this.link) {
      const link = this.link;
      this.link = null;
      link.detach();
    }
    this.releaseRings();
    this.tx = null;
    this.rx = null;
    this.stats.rxDropped += this.rxQueue.length;
    this.rxQueue = [];
  }

  // ---------------------------------------------------------------- the rings

  /** The front end's notification: TX requests and/or new receive buffers (one channel for both). */
  private notified(counted = true): void {
    if (counted) this.stats.notificationsIn++;
    const tx = this.processTx();
    const rx = this.drainRx();
    if (tx || rx) this.notifyFrontend();
  }

  /** pushResponses, for a ring that may have nothing to push (then no hold-off is counted). */
  private push(ring: BackRing): boolean {
    return ring.rspProd !== ring.rspProdPvt && this.pushResponses(ring);
  }

  /** xenvif_tx_action + RING_FINAL_CHECK_FOR_REQUESTS: take every TX request; true if the front wants a notification. */
  private processTx(): boolean {
    const ring = this.tx;
    if (!ring || this.halted) return false;
    if (this.txBusy) {
      this.txAgain = true;
      return false;
    }
    this.txBusy = true;
    let notify = false;
    try {
      do {
        this.txAgain = false;
        for (;;) {
          const rp = ring.reqProd;
          if (ring.requestProdOverflow(rp)) {
            this.haltRing(ring, rp, 'TX');
            break;
          }
          while (ring.hasRequest(rp)) {
            this.takeTxSlot(ring, ring.consumeRequest());
            // The bridge may have run other ports' code: were we disconnected meanwhile?
            if (this.tx !== ring) return false;
          }
          if (this.push(ring)) notify = true;
          if (this.halted || !ring.finalCheckForRequests()) break;
        }
      } while (this.txAgain && !this.halted && this.tx === ring);
      if (this.push(ring)) notify = true;
    } finally {
      this.txBusy = false;
    }
    return notify;
  }

  /** One TX slot: a frame's request, or a slot belonging to a frame already refused. */
  private takeTxSlot(ring: NetifTxBackRing, idx: number): void {
    if (this.txExtrasPending) {
      // netif_extra_info slots are answered NETIF_RSP_NULL (netif.h), the chain ends without FLAG_MORE.
      const extra = ring.readExtra(idx);
      ring.putStatusOnly(NetifStatus.null);
      if ((extra.flags & XEN_NETIF_EXTRA_FLAG_MORE) === 0) this.txExtrasPending = false;
      return;
    }
    const req = ring.readRequest(idx);
    if (this.txChainPending) {
      // A later slot of a multi-slot frame already refused (xenvif_tx_err answers every slot).
      ring.putResponse(req.id, NetifStatus.error);
      this.stats.txErrors++;
      if ((req.flags & NetifTxFlag.more_data) === 0) this.txChainPending = false;
      return;
    }
    let frame: Uint8Array | null = null;
    try {
      frame = this.copyFrame(req);
    } catch (e) {
      // A bug of ours must not become the guest's problem beyond this request.
      this.problem(`TX request ${req.id}: ${String(e)}`);
    }
    if ((req.flags & NetifTxFlag.extra_info) !== 0) this.txExtrasPending = true;
    if ((req.flags & NetifTxFlag.more_data) !== 0) this.txChainPending = true;
    if (!frame) {
      ring.putResponse(req.id, NetifStatus.error);
      this.stats.txErrors++;
      return;
    }
    ring.putResponse(req.id, NetifStatus.okay);
    this.stats.txFrames++;
    this.stats.txBytes += frame.length;
    this.link?.transmit(frame);
  }

  /** Validates a TX request and copies its frame out of the guest's page; null (counted, logged) if it is bad. */
  private copyFrame(req: NetifTxRequestView): Uint8Array | null {
    const bad = (why: string): null => {
      this.stats.protocolErrors++;
      this.problem(`TX request ${req.id}: ${why}`);
      return null;
    };
    if ((req.flags & (NetifTxFlag.more_data | NetifTxFlag.extra_info)) !== 0)
      return bad(`flags ${req.flags}: multi-slot frames and extra info are not offered`);
    if (req.size < ETH_HEADER_SIZE || req.size > ETH_MAX_FRAME)
      return bad(`size ${req.size} is not a frame (${ETH_HEADER_SIZE}..${ETH_MAX_FRAME} bytes)`);
    if (req.offset + req.size > PAGE_SIZE)
      return bad(`offset ${req.offset} + size ${req.size} crosses the page`);
    const m = this.opts.grants.mapGrant(this.opts.domid, req.gref, true);
    if (m.status !== GNTST.okay || !m.mapping)
      return bad(`mapping gref ${req.gref} (grant status ${m.status})`);
    try {
      return m.mapping.read(req.offset, req.size);
    } finally {
      this.opts.grants.unmapGrant(m.mapping.handle);
    }
  }

  /**
   * xenvif_rx_action: queued frames into posted receive buffers, in order;
   * with frames left and no buffers, ask to hear of the next one
   * (req_event = req_cons + 1). True if the front wants a notification.
   */
  private drainRx(): boolean {
    const ring = this.rx;
    if (!ring || this.halted || this.rxBusy) return false;
    this.rxBusy = true;
    try {
      while (this.rxQueue.length > 0) {
        const rp = ring.reqProd;
        if (ring.requestProdOverflow(rp)) {
          this.haltRing(ring, rp, 'RX');
          break;
        }
        if (!ring.hasRequest(rp)) {
          if (ring.finalCheckForRequests()) continue;
          break;
        }
        const req = ring.readRequest(ring.consumeRequest());
        const frame = this.rxQueue[0] as Uint8Array;
        if (this.copyToGuest(req, frame)) {
          this.rxQueue.shift();
          ring.putResponse(req.id, 0, RX_FLAGS, frame.length);
          this.stats.rxFrames++;
          this.stats.rxBytes += frame.length;
        } else {
          // The frame stays at the head for the next buffer; this one is answered ERROR.
          ring.putResponse(req.id, 0, RX_FLAGS, NetifStatus.error);
          this.stats.rxErrors++;
        }
      }
      return this.push(ring);
    } finally {
      this.rxBusy = false;
    }
  }

  /** Copies a frame to offset 0 of the request's page; false (counted, logged) if the page cannot be had. */
  private copyToGuest(req: NetifRxRequestView, frame: Uint8Array): boolean {
    const m = this.opts.grants.mapGrant(this.opts.domid, req.gref, false);
    if (m.status !== GNTST.okay || !m.mapping) {
      this.stats.protocolErrors++;
      this.problem(`RX request ${req.id}: mapping gref ${req.gref} (grant status ${m.status})`);
      return false;
    }
    try {
      m.mapping.write(0, frame);
      return true;
    } catch (e) {
      this.problem(`RX request ${req.id}: ${String(e)}`);
      return false;
    } finally {
      this.opts.grants.unmapGrant(m.mapping.handle);
    }
  }
}
