import { GNTST } from '../../vmm/abi/grant-table';
import { XenbusState } from '../../vmm/abi/xenbus-state';
import type { GrantMapping } from '../../vmm/grant-table';
import type { XsConnection } from '../xenstore/xenstore';
import type { BackRing } from './back-ring';

/**
 * What every split-driver back end does over xenbus (xen/include/public/io/xenbus.h),
 * as Linux's xenbus back-end drivers do it: the toolstack has created both
 * device directories in Initialising; we publish what we offer and go to
 * InitWait; when the front end reaches Initialised (or Connected) we read
 * its ring references and event channel, map the rings, bind the channel
 * and go to Connected. The front closing (Closing, then Closed) makes us
 * tear the connection down and follow it to Closed; a front that comes back
 * to Initialising after that gets InitWait again (a rebooted guest). A
 * handshake failure is xenbus_dev_fatal: a line in `error`, and Closing.
 *
 * A back end (blkback, netback) adds what it offers, its own connect and
 * disconnect steps, and its data path.
 */

/** The VMM's grant operations on behalf of Domain-0. */
export interface GrantMapper {
  mapGrant(
    domid: number,
    ref: number,
    readonly: boolean,
  ): { status: number; mapping?: GrantMapping };
  unmapGrant(handle: number): number;
}

/** Domain-0's event channel ports (the toolstack's Dom0Events fits). */
export interface EventPorts {
  /** Binds to the guest's unbound port; `handler` runs on each notification. Throws on failure. */
  bind(domid: number, remotePort: number, handler: () => void): number;
  notify(port: number): void;
  close(port: number): void;
}

export interface XenbusBackendOptions {
  /** Domain-0's xenstore connection. */
  readonly xs: XsConnection;
  readonly grants: GrantMapper;
  readonly events: EventPorts;
  readonly domid: number;
  readonly devid: number;
  readonly backendDomid?: number;
  /** Problems worth a log line (a front end breaking the protocol, a handshake failure). */
  readonly onProblem?: (message: string) => void;
}

/** The counters every back end keeps about its front end's notifications and mistakes. */
export interface XenbusBackendStats {
  /** Notifications received from the front end (its EVTCHNOP_send hypercalls). */
  notificationsIn: number;
  /** Notifications we sent. */
  notificationsOut: number;
  /** Response pushes that needed no notification (the front had not asked). */
  notificationsHeldOff: number;
  protocolErrors: number;
}

/** Protocol problems logged per connection before the rest are only counted. */
const PROBLEM_LOG_LIMIT = 8;

/** One T for each element of the tuple K (gather's numbers, mapRingsAndBind's mappings). */
type Each<K extends readonly unknown[], T> = { -readonly [I in keyof K]: T };

export abstract class XenbusBackend<O extends XenbusBackendOptions = XenbusBackendOptions> {
  readonly backendPath: string;
  readonly frontendPath: string;
  abstract readonly stats: XenbusBackendStats;

  protected readonly xs: XsConnection;
  protected started = false;
  /** The front end broke ring.h on this connection: its rings are not read again. */
  protected halted = false;
  /** Our end of the front end's event channel; 0 when not bound. */
  protected port = 0;
  private ringMappings: GrantMapping[] = [];
  private stateValue: number = XenbusState.Initialising;
  private readonly token: string;
  /** `vbd 3/51712`: how log lines name the device. */
  private readonly device: string;
  private problemsLogged = 0;

  /**
   * `type` is the device's xenstore type (`vbd`, `vif`: backend/TYPE/DOMID/DEVID),
   * `driver` the back end's name (the watch token's prefix).
   */
  constructor(
    protected readonly opts: O,
    type: string,
    driver: string,
  ) {
    this.xs = opts.xs;
    const be = opts.backendDomid ?? 0;
    this.backendPath = `/local/domain/${be}/backend/${type}/${opts.domid}/${opts.devid}`;
    this.frontendPath =
      this.xs.tryReadString(`${this.backendPath}/frontend`) ??
      `/local/domain/${opts.domid}/device/${type}/${opts.devid}`;
    this.token = `${driver}:${opts.domid}:${opts.devid}`;
    this.device = `${type} ${opts.domid}/${opts.devid}`;
  }

  /** Our XenbusState. */
  get state(): number {
    return this.stateValue;
  }

  /** The front end's rings are mapped and its event channel bound. */
  abstract get connected(): boolean;

  /** Publishes what we offer, goes to InitWait and starts following the front end. */
  start(): void {
    if (this.started) return;
    if (!this.xs.exists(this.backendPath))
      throw new Error(`${this.backendPath} does not exist: write the device layout first`);
    this.started = true;
    this.advertise(true);
    this.switchState(XenbusState.InitWait);
    this.xs.watch(`${this.frontendPath}/state`, this.token, () => this.frontendChanged());
  }

  // ---------------------------------------------------------------- what a back end adds

  /**
   * Writes the keys the front end reads before it connects (features,
   * geometry): before every InitWait — `probing` at start(), not when a
   * front starting over is offered the device again.
   */
  protected abstract advertise(probing: boolean): void;

  /** Reads the front end's keys, maps its rings, binds its channel and goes to Connected — or fatal(). */
  protected abstract connect(): void;

  /** Leaves the data path and releases the rings (releaseRings); a promise when in-flight work must finish first. */
  protected abstract disconnect(): Promise<void> | void;

  /**
   * The front end is closing. By default we only follow it (blkback
   * waits for Closed to disconnect); a back end may leave the data path
   * here first.
   */
  protected frontendClosing(): void {}

  // ---------------------------------------------------------------- for stop()

  /** Stops following the front end; false if we were not started. */
  protected stopFollowing(): boolean {
    if (!this.started) return false;
    this.started = false;
    try {
      this.xs.unwatch(`${this.frontendPath}/state`, this.token);
    } catch {
      // The connection or the watch is already gone.
    }
    return true;
  }

  /** After stop()'s disconnect: Closed, if the device is still there. */
  protected closeDevice(): void {
    if (this.xs.exists(this.backendPath)) this.switchState(XenbusState.Closed);
  }

  // ---------------------------------------------------------------- xenbus

  protected switchState(state: number): void {
    this.stateValue = state;
    if (this.xs.exists(this.backendPath)) this.xs.write(`${this.backendPath}/state`, String(state));
  }

  /** A log line naming the device. */
  protected report(message: string): void {
    this.opts.onProblem?.(`${this.device}: ${message}`);
  }

  /** A guest's protocol mistake: logged a few times per connection, then only counted (a flood is cheap for it). */
  protected problem(message: string): void {
    if (this.problemsLogged >= PROBLEM_LOG_LIMIT) return;
    this.problemsLogged++;
    const suffix =
      this.problemsLogged === PROBLEM_LOG_LIMIT ? ' (further problems are only counted)' : '';
    this.report(`${message}${suffix}`);
  }

  /** xenbus_dev_fatal: say why in `error`, and close. */
  protected fatal(message: string): void {
    this.report(message);
    if (this.xs.exists(this.backendPath)) this.xs.write(`${this.backendPath}/error`, message);
    this.switchState(XenbusState.Closing);
  }

  private frontendChanged(): void {
    if (!this.started) return;
    const text = this.xs.tryReadString(`${this.frontendPath}/state`);
    const fe = text === undefined || text === '' ? XenbusState.Unknown : Number(text);
    switch (fe) {
      case XenbusState.Initialising:
        // A front end starting over after we closed (guest reboot): offer the device again.
        if (this.stateValue === XenbusState.Closed) {
          this.advertise(false);
          this.switchState(XenbusState.InitWait);
        }
        return;
      case XenbusState.Initialised:
      case XenbusState.Connected:
        if (this.stateValue !== XenbusState.InitWait || this.connected) return;
        // A new connection starts with readable rings and a fresh log allowance.
        this.halted = false;
        this.problemsLogged = 0;
        this.connect();
        return;
      case XenbusState.Closing:
        this.frontendClosing();
        this.switchState(XenbusState.Closing);
        return;
      case XenbusState.Closed: {
        const closed = (): void => {
          if (this.started) this.switchState(XenbusState.Closed);
        };
        const done = this.disconnect();
        if (done instanceof Promise) void done.then(closed);
        else closed();
        return;
      }
      default:
        // Unknown: the front end's directory is gone (device or domain removed).
        void this.disconnect();
        return;
    }
  }

  /** A front-end key as a number; null if it is missing or not one. */
  protected readNumber(key: string): number | null {
    const text = this.xs.tryReadString(`${this.frontendPath}/${key}`);
    if (text === undefined || !/^\d+$/.test(text)) return null;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : null;
  }

  /** xenbus_gather: the front end's numeric keys, in order; null (and fatal()) at the first one missing. */
  protected gather<const K extends readonly string[]>(...keys: K): Each<K, number> | null {
    const values: number[] = [];
    for (const key of keys) {
      const n = this.readNumber(key);
      if (n === null) {
        this.fatal(`reading ${this.frontendPath}/${key}`);
        return null;
      }
      values.push(n);
    }
    return values as Each<K, number>;
  }

  // ---------------------------------------------------------------- rings and event channel

  /**
   * xenbus_map_ring_valloc for each [key, ring-ref], then
   * bind_interdomain_evtchn: held (until releaseRings) on success; on
   * failure nothing is held and the handshake has failed (fatal).
   */
  protected mapRingsAndBind<const R extends readonly (readonly [key: string, ref: number])[]>(
    rings: R,
    remotePort: number,
    notified: () => void,
  ): Each<R, GrantMapping> | null {
    const maps: GrantMapping[] = [];
    const unmapAll = (): void => {
      for (const m of maps) this.opts.grants.unmapGrant(m.handle);
    };
    for (const [key, ref] of rings) {
      const m = this.opts.grants.mapGrant(this.opts.domid, ref, false);
      if (m.status !== GNTST.okay || !m.mapping) {
        unmapAll();
        this.fatal(`mapping ${key} ${ref} (grant status ${m.status})`);
        return null;
      }
      maps.push(m.mapping);
    }
    let port: number;
    try {
      port = this.opts.events.bind(this.opts.domid, remotePort, notified);
    } catch (e) {
      unmapAll();
      this.fatal(
        `binding event channel ${remotePort}: ${e instanceof Error ? e.message : String(e)}`,
      );
      return null;
    }
    this.ringMappings = maps;
    this.port = port;
    return maps as Each<R, GrantMapping>;
  }

  /** Unbinds the event channel and unmaps the rings (xenbus_unmap_ring_vfree, unbind_from_irqhandler). */
  protected releaseRings(): void {
    if (this.port) this.opts.events.close(this.port);
    for (const m of this.ringMappings) this.opts.grants.unmapGrant(m.handle);
    this.ringMappings = [];
    this.port = 0;
  }

  // ---------------------------------------------------------------- the data path's common steps

  /**
   * The front end claims more requests than a ring holds
   * (RING_REQUEST_PROD_OVERFLOW): stop reading its rings and close —
   * blkback's "Front-end provided bogus ring requests", netback's
   * xenvif_fatal_tx_err.
   */
  protected haltRing(ring: BackRing, prod: number, which?: string): void {
    this.halted = true;
    this.stats.protocolErrors++;
    const name = which === undefined ? 'ring' : `${which} ring`;
    this.fatal(
      `front end provided bogus ${name} requests (req_prod ${prod}, rsp_prod_pvt ${ring.rspProdPvt}); halting ring processing`,
    );
  }

  /**
   * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: true if the front asked to hear
   * of the responses just pushed; a push it did not ask about is counted.
   */
  protected pushResponses(ring: BackRing): boolean {
    if (ring.pushResponses()) return true;
    this.stats.notificationsHeldOff++;
    return false;
  }

  /** notify_remote_via_irq: one event to the front end, if its channel is bound. */
  protected notifyFrontend(): void {
    if (!this.port) return;
    this.stats.notificationsOut++;
    this.opts.events.notify(this.port);
  }
}
