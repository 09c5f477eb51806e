/**
 * The node tree and the two ways of looking at it: the live tree, and a
 * transaction's copy-on-write view of it. Nodes are immutable values;
 * every change stores a new node with a new generation count. A
 * transaction remembers the generation of every node it looked at and
 * commits only if none changed meanwhile — the conflict rule of
 * docs/misc/xenstore.txt ("writes … which changed paths which were read
 * or written in the transaction"), as C xenstored implements it.
 */
import type { XsPermission } from './xs-permissions.ts';

export interface XsNode {
  /** Octet string; conventionally ASCII without a trailing NUL. */
  readonly value: Uint8Array;
  /** [owner + default, ...per-domain entries]. */
  readonly perms: readonly XsPermission[];
  /** Leaf names of the children, in creation order. */
  readonly children: readonly string[];
  /** Changes whenever this node (value, perms or child list) changes. */
  readonly generation: number;
}

export type NodeContent = Omit<XsNode, 'generation'>;

/** What the operations need of a tree: the live one or a transaction's view. */
export interface TreeView {
  get(path: string): XsNode | undefined;
  put(path: string, node: NodeContent): void;
  remove(path: string): void;
  /** Nodes owned by a domain, as this view sees them (for quotas). */
  ownedBy(domid: number): number;
}

const ownerOf = (n: NodeContent): number => n.perms[0]?.domid ?? 0;

export class LiveTree implements TreeView {
  private readonly nodes = new Map<string, XsNode>();
  private readonly owned = new Map<number, number>();
  private generation = 0;

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): XsNode | undefined {
    return this.nodes.get(path);
  }

  put(path: string, node: NodeContent): void {
    const old = this.nodes.get(path);
    if (old) this.count(ownerOf(old), -1);
    this.count(ownerOf(node), +1);
    this.nodes.set(path, { ...node, generation: ++this.generation });
  }

  remove(path: string): void {
    const old = this.nodes.get(path);
    if (!old) return;
    this.count(ownerOf(old), -1);
    this.nodes.delete(path);
  }

  ownedBy(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  /** Generation of a path, -1 when absent: what a transaction validates against. */
  generationOf(path: string): number {
    return this.nodes.get(path)?.generation ?? -1;
  }

  entries(): IterableIterator<[string, XsNode]> {
    return this.nodes.entries();
  }

  private count(domid: number, delta: number): void {
    const n = (this.owned.get(domid) ?? 0) + delta;
    if (n === 0) this.owned.delete(domid);
    else this.owned.set(domid, n);
  }
}

/** A transaction's private view: reads fall through to the live tree, writes stay here. */
export class TransactionView implements TreeView {
  /** Changed nodes; null marks a removal. */
  private readonly overlay = new Map<string, NodeContent | null>();
  /** Generation of each live node at first access (-1: absent). */
  private readonly seen = new Map<string, number>();
  private readonly ownedDelta = new Map<number, number>();

  constructor(private readonly live: LiveTree) {}

  get(path: string): XsNode | undefined {
    const o = this.overlay.get(path);
    if (o !== undefined) return o === null ? undefined : { ...o, generation: -1 };
    const node = this.live.get(path);
    if (!this.seen.has(path)) this.seen.set(path, node?.generation ?? -1);
    return node;
  }

  put(path: string, node: NodeContent): void {
    const old = this.get(path);
    if (old) this.count(ownerOf(old), -1);
    this.count(ownerOf(node), +1);
    this.overlay.set(path, node);
  }

  remove(path: string): void {
    const old = this.get(path);
    if (!old) return;
    this.count(ownerOf(old), -1);
    this.overlay.set(path, null);
  }

  ownedBy(domid: number): number {
    return this.live.ownedBy(domid) + (this.ownedDelta.get(domid) ?? 0);
  }

  /** True if nothing this transaction looked at has changed in the live tree. */
  valid(): boolean {
    for (const [path, gen] of this.seen) {
      if (this.live.generationOf(path) !== gen) return false;
    }
    return true;
  }

  /** Applies the changes to the live tree (call only when valid()). */
  commitTo(live: LiveTree): void {
    for (const [path, node] of this.overlay) {
      if (node === null) live.remove(path);
      else live.put(path, node);
    }
  }

  private count(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }
}
