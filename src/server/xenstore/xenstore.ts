/**
 * xenstore: the VM server's configuration database shared with guests,
 * with the semantics of Xen's C xenstored (tools/xenstore, described in
 * docs/misc/xenstore.txt):
 *
 * - a tree of nodes, each with a value and permissions (xs-permissions.ts);
 * - connections, one per client: the in-process toolstack (dom0, privileged)
 *   or a guest's shared ring (xs-ring.ts). Relative paths are relative to
 *   the connection's /local/domain/<domid>;
 * - watches, which fire once when set and then on every change to their
 *   path or anything below it, if the watcher may read the changed node;
 * - transactions with optimistic concurrency: EAGAIN on conflict;
 * - introduce/release of domains (@introduceDomain / @releaseDomain);
 * - per-domain quotas (nodes, watches, transactions, value size) so that a
 *   guest cannot exhaust dom0.
 */
import { XsError } from './xs-error.ts';
import {
  baseName,
  canonicalize,
  domainPath,
  INTRODUCE_DOMAIN,
  isChild,
  joinPath,
  parentOf,
  RELEASE_DOMAIN,
  relativeTo,
} from './xs-path.ts';
import { rightsFor, type XsPermission, type XsRights } from './xs-permissions.ts';
import { LiveTree, TransactionView, type TreeView, type XsNode } from './xs-tree.ts';
import { XENSTORE_REL_PATH_MAX } from './xs-wire.ts';

/** Limits for unprivileged domains; dom0 is exempt. Defaults follow C xenstored. */
export interface XsQuota {
  /** Nodes a domain may own (xenstored quota-nentries). */
  readonly maxNodesPerDomain: number;
  /** Watches over all of a domain's connections (quota-nb-watch-per-domain). */
  readonly maxWatchesPerDomain: number;
  /** Open transactions per connection (quota-max-transaction). */
  readonly maxTransactionsPerConnection: number;
  /** Bytes in one node value (quota-max-entry-size). */
  readonly maxValueSize: number;
}

export const DEFAULT_XS_QUOTA: XsQuota = {
  maxNodesPerDomain: 1000,
  maxWatchesPerDomain: 128,
  maxTransactionsPerConnection: 10,
  maxValueSize: 2048,
};

/** First domid Xen reserves for special purposes (DOMID_FIRST_RESERVED). */
export const DOMID_FIRST_RESERVED = 0x7ff0;

export type WatchCallback = (path: string, token: string) => void;

export interface XenStoreOptions {
  readonly quota?: Partial<XsQuota>;
  /** Domains besides 0 that may do anything (a driver domain, say). */
  readonly privileged?: readonly number[];
  /** Where an exception thrown by a watch callback goes; default: rethrown later. */
  readonly onListenerError?: (error: unknown) => void;
}

interface Watch {
  readonly conn: XsConnection;
  /** Absolute path or @special. */
  readonly path: string;
  readonly token: string;
  /** Given relative: events are reported relative too. */
  readonly relative: boolean;
  readonly callback?: WatchCallback;
}

/** A change that may fire watches. */
interface ChangeEvent {
  readonly path: string;
  /** A removal: watches below the path fire as well. */
  readonly recurse: boolean;
  /** Permissions deciding who may hear about it (for a removal, the old ones). */
  readonly perms: readonly XsPermission[];
}

interface Transaction {
  readonly view: TransactionView;
  readonly events: ChangeEvent[];
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class XenStore {
  readonly quota: XsQuota;
  private readonly tree = new LiveTree();
  private readonly connections = new Set<XsConnection>();
  private readonly introduced = new Set<number>();
  private readonly targets = new Map<number, number>();
  private readonly privilegedDomains: ReadonlySet<number>;
  private readonly onListenerError: (error: unknown) => void;
  private nextTxId = 1;

  constructor(options: XenStoreOptions = {}) {
    this.quota = { ...DEFAULT_XS_QUOTA, ...options.quota };
    this.privilegedDomains = new Set([0, ...(options.privileged ?? [])]);
    this.onListenerError =
      options.onListenerError ??
      ((e) =>
        queueMicrotask(() => {
          throw e;
        }));
    // xenstored's initial tree: everything owned by dom0, closed to others.
    const closed: XsPermission[] = [{ domid: 0, access: 'n' }];
    this.tree.put('/', { value: EMPTY, perms: closed, children: ['local', 'tool'] });
    this.tree.put('/local', { value: EMPTY, perms: closed, children: ['domain'] });
    this.tree.put('/local/domain', { value: EMPTY, perms: closed, children: [] });
    this.tree.put('/tool', { value: EMPTY, perms: closed, children: ['xenstored'] });
    this.tree.put('/tool/xenstored', { value: EMPTY, perms: closed, children: [] });
  }

  /** Opens a connection acting for `domid`. */
  connect(domid: number): XsConnection {
    if (!Number.isInteger(domid) || domid < 0 || domid > 0xffff) {
      throw new XsError('EINVAL', `invalid domid ${domid}`);
    }
    const conn = new XsConnection(this, domid, this.privilegedDomains.has(domid));
    this.connections.add(conn);
    return conn;
  }

  isPrivileged(domid: number): boolean {
    return this.privilegedDomains.has(domid);
  }

  /** XS_INTRODUCE: the domain's ring is attached; fires @introduceDomain. */
  introduceDomain(domid: number): void {
    if (!Number.isInteger(domid) || domid <= 0 || domid >= DOMID_FIRST_RESERVED) {
      throw new XsError('EINVAL', `cannot introduce domain ${domid}`);
    }
    if (this.introduced.has(domid)) return;
    this.introduced.add(domid);
    this.fire([{ path: INTRODUCE_DOMAIN, recurse: false, perms: [] }]);
  }

  /**
   * XS_RELEASE / domain destruction: closes the domain's connections
   * (their watches and transactions go), gives its nodes to dom0 and
   * drops its permission entries, so that a later domain reusing the id
   * inherits nothing; fires @releaseDomain. The toolstack removes the
   * domain's subtree itself (domain-layout.ts).
   */
  releaseDomain(domid: number): void {
    if (!this.introduced.has(domid)) throw new XsError('ENOENT', `domain ${domid} not introduced`);
    this.introduced.delete(domid);
    this.targets.delete(domid);
    for (const conn of [...this.connections]) if (conn.domid === domid) conn.close();
    for (const [path, node] of [...this.tree.entries()]) {
      const touches = node.perms.some((p) => p.domid === domid);
      if (!touches) continue;
      const [owner, ...rest] = node.perms;
      const perms: XsPermission[] = [
        owner && owner.domid === domid
          ? { domid: 0, access: owner.access }
          : (owner ?? { domid: 0, access: 'n' }),
        ...rest.filter((p) => p.domid !== domid),
      ];
      this.tree.put(path, { ...node, perms });
    }
    this.fire([{ path: RELEASE_DOMAIN, recurse: false, perms: [] }]);
  }

  isDomainIntroduced(domid: number): boolean {
    return this.introduced.has(domid);
  }

  /** XS_GET_DOMAIN_PATH. */
  getDomainPath(domid: number): string {
    return domainPath(domid);
  }

  /** XS_SET_TARGET: `domid` (a device model domain) acts with `target`'s rights. */
  setTarget(domid: number, target: number): void {
    this.targets.set(domid, target);
  }

  /** Nodes owned by a domain (what its node quota counts). */
  nodeCount(domid: number): number {
    return this.tree.ownedBy(domid);
  }

  /** Watches held by all connections of a domain. */
  watchCount(domid: number): number {
    let n = 0;
    for (const c of this.connections) if (c.domid === domid) n += c.watchList.length;
    return n;
  }

  /** Total nodes in the tree. */
  get size(): number {
    return this.tree.size;
  }

  /**
   * The tree below `path` in xenstore-ls style (`name = "value"`, one
   * space of indent per level), optionally with permissions.
   */
  dump(path = '/', options: { perms?: boolean } = {}): string {
    const lines: string[] = [];
    const walk = (p: string, depth: number): void => {
      const node = this.tree.get(p);
      if (!node) return;
      for (const name of node.children) {
        const child = joinPath(p, name);
        const n = this.tree.get(child);
        if (!n) continue;
        const value = JSON.stringify(utf8Decoder.decode(n.value));
        const perms = options.perms
          ? `  (${n.perms.map((q) => `${q.access}${q.domid}`).join(',')})`
          : '';
        lines.push(`${' '.repeat(depth)}${name} = ${value}${perms}`);
        walk(child, depth + 1);
      }
    };
    walk(path, 0);
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }

  // ---- operations on behalf of a connection (used by XsConnection) ----

  /** @internal */
  rightsOf(conn: XsConnection, perms: readonly XsPermission[]): XsRights {
    return rightsFor(perms, conn.domid, conn.privileged, this.targets.get(conn.domid));
  }

  /**
   * get_node() with errno_from_parents(): a missing or forbidden node
   * reports ENOENT only to those who may read its nearest existing
   * ancestor, EACCES to others, so guests cannot probe foreign subtrees.
   */
  private node(conn: XsConnection, view: TreeView, path: string, need: keyof XsRights): XsNode {
    const node = view.get(path);
    let code: 'ENOENT' | 'EACCES' = 'ENOENT';
    if (node) {
      if (this.rightsOf(conn, node.perms)[need]) return node;
      code = 'EACCES';
    }
    for (let p = path; p !== '/';) {
      p = parentOf(p);
      const ancestor = view.get(p);
      if (ancestor) {
        if (!this.rightsOf(conn, ancestor.perms).read) code = 'EACCES';
        break;
      }
    }
    throw new XsError(code, `${code === 'ENOENT' ? 'no such node' : 'permission denied'}: ${path}`);
  }

  /** Runs an operation on the live tree or in transaction `tx`. */
  private withView<T>(
    conn: XsConnection,
    tx: number,
    op: (view: TreeView, events: ChangeEvent[]) => T,
  ): T {
    if (tx === 0) {
      const events: ChangeEvent[] = [];
      const result = op(this.tree, events);
      this.fire(events);
      return result;
    }
    const t = conn.transactionMap.get(tx);
    if (!t) throw new XsError('ENOENT', `no transaction ${tx}`);
    return op(t.view, t.events);
  }

  /** @internal */
  opRead(conn: XsConnection, path: string, tx: number): Uint8Array {
    const abs = canonicalize(path, conn.domid).path;
    return this.withView(conn, tx, (view) => this.node(conn, view, abs, 'read').value);
  }

  /** @internal */
  opDirectory(
    conn: XsConnection,
    path: string,
    tx: number,
  ): { children: string[]; generation: number } {
    const abs = canonicalize(path, conn.domid).path;
    return this.withView(conn, tx, (view) => {
      const node = this.node(conn, view, abs, 'read');
      return { children: [...node.children], generation: node.generation };
    });
  }

  /** @internal */
  opGetPerms(conn: XsConnection, path: string, tx: number): XsPermission[] {
    const abs = canonicalize(path, conn.domid).path;
    return this.withView(conn, tx, (view) => [...this.node(conn, view, abs, 'read').perms]);
  }

  /** @internal */
  opWrite(conn: XsConnection, path: string, value: Uint8Array, tx: number): void {
    const abs = canonicalize(path, conn.domid).path;
    if (!conn.privileged && value.length > this.quota.maxValueSize) {
      throw new XsError(
        'ENOSPC',
        `value of ${value.length} bytes exceeds ${this.quota.maxValueSize}`,
      );
    }
    this.withView(conn, tx, (view, events) => {
      const existing = view.get(abs);
      if (existing) {
        const node = this.node(conn, view, abs, 'write');
        view.put(abs, { ...node, value: value.slice() });
      } else {
        this.create(conn, view, abs, value.slice());
      }
      events.push({ path: abs, recurse: false, perms: (view.get(abs) as XsNode).perms });
    });
  }

  /** @internal */
  opMkdir(conn: XsConnection, path: string, tx: number): void {
    const abs = canonicalize(path, conn.domid).path;
    this.withView(conn, tx, (view, events) => {
      try {
        this.node(conn, view, abs, 'write');
        return; // exists already: nothing changes, nothing fires
      } catch (e) {
        if (!(e instanceof XsError) || e.code !== 'ENOENT') throw e;
      }
      this.create(conn, view, abs, EMPTY);
      events.push({ path: abs, recurse: false, perms: (view.get(abs) as XsNode).perms });
    });
  }

  /** @internal */
  opRm(conn: XsConnection, path: string, tx: number): void {
    const abs = canonicalize(path, conn.domid).path;
    this.withView(conn, tx, (view, events) => {
      let node: XsNode;
      try {
        node = this.node(conn, view, abs, 'write');
      } catch (e) {
        // Removing a missing node is fine if its parent exists.
        if (e instanceof XsError && e.code === 'ENOENT' && view.get(parentOf(abs))) return;
        throw e;
      }
      if (abs === '/') throw new XsError('EINVAL', 'cannot remove the root');
      const doomed: string[] = [];
      const collect = (p: string): void => {
        doomed.push(p);
        for (const name of view.get(p)?.children ?? []) collect(joinPath(p, name));
      };
      collect(abs);
      for (const p of doomed) view.remove(p);
      const parentPath = parentOf(abs);
      const parent = view.get(parentPath) as XsNode;
      const name = baseName(abs);
      view.put(parentPath, { ...parent, children: parent.children.filter((c) => c !== name) });
      events.push({ path: abs, recurse: true, perms: node.perms });
    });
  }

  /** @internal */
  opSetPerms(conn: XsConnection, path: string, perms: readonly XsPermission[], tx: number): void {
    const abs = canonicalize(path, conn.domid).path;
    if (perms.length === 0) throw new XsError('EINVAL', 'no permissions given');
    this.withView(conn, tx, (view, events) => {
      const node = this.node(conn, view, abs, 'write');
      if (!this.rightsOf(conn, node.perms).owner) {
        throw new XsError('EACCES', `only the owner may change permissions of ${abs}`);
      }
      const newOwner = (perms[0] as XsPermission).domid;
      if (!conn.privileged && newOwner !== node.perms[0]?.domid) {
        throw new XsError('EACCES', 'unprivileged domains may not change the owner');
      }
      view.put(abs, { ...node, perms: [...perms] });
      events.push({ path: abs, recurse: false, perms });
    });
  }

  /**
   * create_node(): makes `path` and any missing ancestors. Needs write
   * access to the nearest existing ancestor; new nodes copy that
   * ancestor's permissions, but an unprivileged creator becomes owner.
   */
  private create(conn: XsConnection, view: TreeView, path: string, value: Uint8Array): void {
    const missing: string[] = [];
    let top = path;
    while (!view.get(top)) {
      missing.push(top);
      top = parentOf(top);
    }
    const ancestor = view.get(top) as XsNode;
    if (!this.rightsOf(conn, ancestor.perms).write) {
      throw new XsError('EACCES', `permission denied: cannot create ${path}`);
    }
    const inherited = [...ancestor.perms];
    if (!conn.privileged) inherited[0] = { domid: conn.domid, access: inherited[0]?.access ?? 'n' };
    if (
      !conn.privileged &&
      view.ownedBy(conn.domid) + missing.length > this.quota.maxNodesPerDomain
    ) {
      throw new XsError(
        'ENOSPC',
        `domain ${conn.domid} would exceed ${this.quota.maxNodesPerDomain} nodes`,
      );
    }
    let parentPath = top;
    for (const p of missing.reverse()) {
      const parent = view.get(parentPath) as XsNode;
      view.put(parentPath, { ...parent, children: [...parent.children, baseName(p)] });
      view.put(p, { value: p === path ? value : EMPTY, perms: inherited, children: [] });
      parentPath = p;
    }
  }

  /** @internal */
  opWatch(conn: XsConnection, path: string, token: string, callback?: WatchCallback): void {
    let abs: string;
    let relative = false;
    if (path.startsWith('@')) {
      if (path.length > XENSTORE_REL_PATH_MAX) throw new XsError('EINVAL', 'watch path too long');
      abs = path;
    } else {
      ({ path: abs, relative } = canonicalize(path, conn.domid));
    }
    if (conn.watchList.some((w) => w.path === abs && w.token === token)) {
      throw new XsError('EEXIST', `watch on ${path} with this token exists`);
    }
    if (!conn.privileged && this.watchCount(conn.domid) >= this.quota.maxWatchesPerDomain) {
      throw new XsError(
        'E2BIG',
        `domain ${conn.domid} has ${this.quota.maxWatchesPerDomain} watches`,
      );
    }
    const watch: Watch = { conn, path: abs, token, relative, ...(callback ? { callback } : {}) };
    conn.watchList.push(watch);
    // "We fire once up front: simplifies clients and restart." (xenstored_watch.c)
    conn.deliver(path, token, callback);
  }

  /** @internal */
  opUnwatch(conn: XsConnection, path: string, token: string): void {
    const abs = path.startsWith('@') ? path : canonicalize(path, conn.domid).path;
    const i = conn.watchList.findIndex((w) => w.path === abs && w.token === token);
    if (i < 0) throw new XsError('ENOENT', `no watch on ${path} with this token`);
    conn.watchList.splice(i, 1);
  }

  /** @internal */
  opTransactionStart(conn: XsConnection): number {
    if (!conn.privileged && conn.transactionMap.size >= this.quota.maxTransactionsPerConnection) {
      throw new XsError('ENOSPC', `too many open transactions`);
    }
    let id = this.nextTxId;
    while (id === 0 || conn.transactionMap.has(id)) id = (id + 1) >>> 0;
    this.nextTxId = (id + 1) >>> 0;
    conn.transactionMap.set(id, { view: new TransactionView(this.tree), events: [] });
    return id;
  }

  /** @internal */
  opTransactionEnd(conn: XsConnection, tx: number, commit: boolean): void {
    const t = conn.transactionMap.get(tx);
    if (!t) throw new XsError('ENOENT', `no transaction ${tx}`);
    conn.transactionMap.delete(tx);
    if (!commit) return;
    if (!t.view.valid())
      throw new XsError('EAGAIN', `transaction ${tx} conflicts with a concurrent change`);
    t.view.commitTo(this.tree);
    this.fire(t.events);
  }

  /** @internal */
  forget(conn: XsConnection): void {
    this.connections.delete(conn);
  }

  /** @internal */
  listenerFailed(error: unknown): void {
    this.onListenerError(error);
  }

  /** Matches changes against every watch and delivers the events. */
  private fire(events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    const deliveries: { watch: Watch; path: string }[] = [];
    for (const ev of events) {
      const special = ev.path.startsWith('@');
      for (const conn of this.connections) {
        for (const watch of conn.watchList) {
          let eventPath: string;
          if (special || watch.path.startsWith('@')) {
            // Domain events go to privileged watchers of that very name.
            if (!special || watch.path !== ev.path || !conn.privileged) continue;
            eventPath = ev.path;
          } else if (isChild(ev.path, watch.path)) {
            eventPath = ev.path;
          } else if (ev.recurse && isChild(watch.path, ev.path)) {
            eventPath = watch.path; // a removed ancestor: report the watched path
          } else {
            continue;
          }
          if (!special && !this.rightsOf(conn, ev.perms).read) continue;
          deliveries.push({
            watch,
            path: watch.relative ? relativeTo(eventPath, conn.domid) : eventPath,
          });
        }
      }
    }
    for (const { watch, path } of deliveries) {
      if (!watch.conn.closed) watch.conn.deliver(path, watch.token, watch.callback);
    }
  }
}

/**
 * One client of the store. Methods take an optional transaction id (0 =
 * none) and throw XsError on failure. Watch events go to the watch's own
 * callback or to `onWatchEvent`; events raised while one of this
 * connection's operations runs are delivered when it returns, so a reply
 * always precedes the events it caused (as xenstored sends them).
 */
export class XsConnection {
  /** Receives events of watches set without their own callback. */
  onWatchEvent: WatchCallback | undefined;
  private isClosed = false;
  private depth = 0;
  private flushing = false;
  private readonly pending: { path: string; token: string; callback: WatchCallback | undefined }[] =
    [];
  /** @internal */
  readonly watchList: Watch[] = [];
  /** @internal */
  readonly transactionMap = new Map<number, Transaction>();

  /** @internal Use XenStore.connect(). */
  constructor(
    readonly store: XenStore,
    readonly domid: number,
    readonly privileged: boolean,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** This connection's base for relative paths. */
  get domainPath(): string {
    return domainPath(this.domid);
  }

  read(path: string, tx = 0): Uint8Array {
    return this.run(() => this.store.opRead(this, path, tx));
  }

  /** The value decoded as UTF-8. */
  readString(path: string, tx = 0): string {
    return utf8Decoder.decode(this.read(path, tx));
  }

  /** The value, or undefined when the node does not exist. */
  tryReadString(path: string, tx = 0): string | undefined {
    try {
      return this.readString(path, tx);
    } catch (e) {
      if (e instanceof XsError && e.code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes a value (strings as UTF-8), creating missing parents. */
  write(path: string, value: string | Uint8Array, tx = 0): void {
    const bytes = typeof value === 'string' ? utf8.encode(value) : value;
    this.run(() => this.store.opWrite(this, path, bytes, tx));
  }

  mkdir(path: string, tx = 0): void {
    this.run(() => this.store.opMkdir(this, path, tx));
  }

  /** Removes a node and everything below it. */
  rm(path: string, tx = 0): void {
    this.run(() => this.store.opRm(this, path, tx));
  }

  directory(path: string, tx = 0): string[] {
    return this.run(() => this.store.opDirectory(this, path, tx).children);
  }

  /** Children plus the node's generation count (XS_DIRECTORY_PART). */
  directoryWithGeneration(path: string, tx = 0): { children: string[]; generation: number } {
    return this.run(() => this.store.opDirectory(this, path, tx));
  }

  /** True if the node exists and this connection may read it. */
  exists(path: string, tx = 0): boolean {
    try {
      this.read(path, tx);
      return true;
    } catch (e) {
      if (e instanceof XsError && (e.code === 'ENOENT' || e.code === 'EACCES')) return false;
      throw e;
    }
  }

  getPermissions(path: string, tx = 0): XsPermission[] {
    return this.run(() => this.store.opGetPerms(this, path, tx));
  }

  setPermissions(path: string, perms: readonly XsPermission[], tx = 0): void {
    this.run(() => this.store.opSetPerms(this, path, perms, tx));
  }

  /**
   * Watches `path` and everything below it. Fires once right away with
   * `path` as given, then on every change; removal of an ancestor fires
   * with `path` itself.
   */
  watch(path: string, token: string, callback?: WatchCallback): void {
    this.run(() => this.store.opWatch(this, path, token, callback));
  }

  unwatch(path: string, token: string): void {
    this.run(() => this.store.opUnwatch(this, path, token));
  }

  /** XS_RESET_WATCHES: drops all watches and transactions of this connection. */
  resetWatches(): void {
    this.watchList.length = 0;
    this.transactionMap.clear();
  }

  transactionStart(): number {
    return this.run(() => this.store.opTransactionStart(this));
  }

  /** Commits (or aborts) a transaction; EAGAIN means it conflicted and was discarded. */
  transactionEnd(tx: number, commit: boolean): void {
    this.run(() => this.store.opTransactionEnd(this, tx, commit));
  }

  /** Runs `body` in a transaction, retrying it on EAGAIN, as libxl's loops do. */
  transaction<T>(body: (tx: number) => T, attempts = 16): T {
    for (let i = 1; ; i++) {
      const tx = this.transactionStart();
      let result: T;
      try {
        result = body(tx);
      } catch (e) {
        if (this.transactionMap.has(tx)) this.transactionEnd(tx, false);
        throw e;
      }
      try {
        this.transactionEnd(tx, true);
        return result;
      } catch (e) {
        if (!(e instanceof XsError) || e.code !== 'EAGAIN' || i >= attempts) throw e;
      }
    }
  }

  /** Open transactions (for diagnostics). */
  get transactionCount(): number {
    return this.transactionMap.size;
  }

  /** Watches of this connection as [path, token] pairs (absolute paths). */
  get watches(): [string, string][] {
    return this.watchList.map((w) => [w.path, w.token]);
  }

  /** Drops watches and transactions; later operations fail with EINVAL. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.resetWatches();
    this.pending.length = 0;
    this.store.forget(this);
  }

  /** @internal Queues an event; delivered now unless an operation of ours is running. */
  deliver(path: string, token: string, callback: WatchCallback | undefined): void {
    if (this.isClosed) return;
    this.pending.push({ path, token, callback });
    if (this.depth === 0) this.flush();
  }

  /** @internal Runs an operation; events it causes for us follow its completion. */
  run<T>(op: () => T): T {
    if (this.isClosed) throw new XsError('EINVAL', 'connection closed');
    this.depth++;
    try {
      return op();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let e = this.pending.shift(); e !== undefined; e = this.pending.shift()) {
        const target = e.callback ?? this.onWatchEvent;
        if (!target || this.isClosed) continue;
        try {
          target(e.path, e.token);
        } catch (err) {
          this.store.listenerFailed(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
