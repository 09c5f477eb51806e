/**
 * Flattened device tree (FDT / DTB) model, writer and reader, after the
 * Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format":
 * a 40-byte header, the memory reservation block (pairs of u64 ending in 0,0),
 * the structure block (FDT_BEGIN_NODE / FDT_PROP / FDT_END_NODE tokens, ending
 * with FDT_END) and the strings block (property names). All big-endian.
 */

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
const FDT_BEGIN_NODE = 0x1;
const FDT_END_NODE = 0x2;
const FDT_PROP = 0x3;
const FDT_NOP = 0x4;
const FDT_END = 0x9;
const HEADER_SIZE = 40;

/** Encoders for the standard property value types (DT spec 2.2.4, table 2.3). */
export const fdtValue = {
  empty: (): Uint8Array => new Uint8Array(0),
  u32(...cells: number[]): Uint8Array {
    const out = new Uint8Array(cells.length * 4);
    const view = new DataView(out.buffer);
    cells.forEach((c, i) => view.setUint32(i * 4, c >>> 0));
    return out;
  },
  /** A 64-bit number as two cells (high, low). */
  u64(...values: number[]): Uint8Array {
    return fdtValue.u32(...values.flatMap((v) => [Math.floor(v / 0x1_0000_0000), v >>> 0]));
  },
  string: (s: string): Uint8Array => fdtValue.strings([s]),
  /** A <stringlist>: NUL-terminated strings back to back. */
  strings(list: readonly string[]): Uint8Array {
    return new TextEncoder().encode(list.map((s) => s + '\0').join(''));
  },
};

export class FdtNode {
  readonly props = new Map<string, Uint8Array>();
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  /** Append a child node and return it (for chaining). */
  addChild(name: string): FdtNode {
    const node = new FdtNode(name);
    this.children.push(node);
    return node;
  }

  set(name: string, value: Uint8Array): this {
    this.props.set(name, value);
    return this;
  }
  setU32(name: string, ...cells: number[]): this {
    return this.set(name, fdtValue.u32(...cells));
  }
  setString(name: string, s: string): this {
    return this.set(name, fdtValue.string(s));
  }
  setStrings(name: string, list: readonly string[]): this {
    return this.set(name, fdtValue.strings(list));
  }
  setEmpty(name: string): this {
    return this.set(name, fdtValue.empty());
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Find a node by absolute path ("/soc/serial@10000000"). */
  find(path: string): FdtNode | undefined {
    return path
      .split('/')
      .filter((p) => p !== '')
      .reduce<FdtNode | undefined>((node, part) => node?.child(part), this);
  }

  getU32s(name: string): number[] | undefined {
    const v = this.props.get(name);
    if (!v) return undefined;
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return Array.from({ length: v.length >>> 2 }, (_, i) => view.getUint32(i * 4));
  }

  getStrings(name: string): string[] | undefined {
    const v = this.props.get(name);
    if (!v) return undefined;
    const text = new TextDecoder().decode(v);
    return text.endsWith('\0') ? text.slice(0, -1).split('\0') : [text];
  }
}

export interface MemoryReservation {
  readonly address: number;
  readonly size: number;
}

export interface FdtBlobOptions {
  bootCpuId?: number;
  reservations?: readonly MemoryReservation[];
}

/** Write a tree as a DTB blob (version 17). */
export function serializeFdt(root: FdtNode, opts: FdtBlobOptions = {}): Uint8Array {
  const reservations = opts.reservations ?? [];
  const strings = new StringTable();
  const struct = new ByteWriter();
  const emitNode = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(new TextEncoder().encode(node.name + '\0'));
    struct.align(4);
    for (const [name, value] of node.props) {
      struct.u32(FDT_PROP);
      struct.u32(value.length);
      struct.u32(strings.offsetOf(name));
      struct.bytes(value);
      struct.align(4);
    }
    node.children.forEach(emitNode);
    struct.u32(FDT_END_NODE);
  };
  emitNode(root);
  struct.u32(FDT_END);

  const rsvOffset = HEADER_SIZE; // already 8-aligned
  const rsvSize = (reservations.length + 1) * 16;
  const structOffset = rsvOffset + rsvSize;
  const structBytes = struct.finish();
  const stringsOffset = structOffset + structBytes.length;
  const stringsBytes = strings.finish();
  const total = stringsOffset + stringsBytes.length;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const header = [
    FDT_MAGIC,
    total,
    structOffset,
    stringsOffset,
    rsvOffset,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    opts.bootCpuId ?? 0,
    stringsBytes.length,
    structBytes.length,
  ];
  header.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
  reservations.forEach((r, i) => {
    const at = rsvOffset + i * 16;
    view.setBigUint64(at, BigInt(r.address));
    view.setBigUint64(at + 8, BigInt(r.size));
  });
  out.set(structBytes, structOffset);
  out.set(stringsBytes, stringsOffset);
  return out;
}

export interface ParsedFdt {
  root: FdtNode;
  version: number;
  bootCpuId: number;
  reservations: MemoryReservation[];
}

/** Read a DTB blob back into a tree (for tests and for guests' DTBs). */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < HEADER_SIZE || view.getUint32(0) !== FDT_MAGIC) {
    throw new Error('not a flattened device tree (bad magic)');
  }
  const total = view.getUint32(4);
  const structOffset = view.getUint32(8);
  const stringsOffset = view.getUint32(12);
  const rsvOffset = view.getUint32(16);
  const version = view.getUint32(20);
  const bootCpuId = view.getUint32(28);
  if (total > blob.length) throw new Error('device tree truncated');

  const reservations: MemoryReservation[] = [];
  for (let at = rsvOffset; ; at += 16) {
    const address = Number(view.getBigUint64(at));
    const size = Number(view.getBigUint64(at + 8));
    if (address === 0 && size === 0) break;
    reservations.push({ address, size });
  }

  const cString = (at: number): [string, number] => {
    let end = at;
    while (blob[end] !== 0) {
      if (end >= total) throw new Error('unterminated string in device tree');
      end++;
    }
    return [new TextDecoder().decode(blob.subarray(at, end)), end + 1];
  };
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  let at = structOffset;
  for (;;) {
    const token = view.getUint32(at);
    at += 4;
    if (token === FDT_BEGIN_NODE) {
      const [name, next] = cString(at);
      at = (next + 3) & ~3;
      const parent = stack[stack.length - 1];
      const node = parent ? parent.addChild(name) : new FdtNode(name);
      root ??= node;
      stack.push(node);
    } else if (token === FDT_PROP) {
      const len = view.getUint32(at);
      const [name] = cString(stringsOffset + view.getUint32(at + 4));
      const value = blob.slice(at + 8, at + 8 + len);
      at = (at + 8 + len + 3) & ~3;
      const node = stack[stack.length - 1];
      if (!node) throw new Error('property outside any node');
      node.set(name, value);
    } else if (token === FDT_END_NODE) {
      if (!stack.pop()) throw new Error('unbalanced FDT_END_NODE');
    } else if (token === FDT_NOP) {
      continue;
    } else if (token === FDT_END) {
      break;
    } else {
      throw new Error(`bad device tree token 0x${token.toString(16)} at ${at - 4}`);
    }
  }
  if (!root || stack.length !== 0) throw new Error('device tree structure block is unbalanced');
  return { root, version, bootCpuId, reservations };
}

class ByteWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }
  u32(v: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  align(n: number): void {
    const pad = (n - (this.len % n)) % n;
    this.reserve(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Property names, each stored once (DT spec 5.5). */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly writer = new ByteWriter();
  private size = 0;

  offsetOf(name: string): number {
    let off = this.offsets.get(name);
    if (off === undefined) {
      off = this.size;
      const bytes = new TextEncoder().encode(name + '\0');
      this.writer.bytes(bytes);
      this.size += bytes.length;
      this.offsets.set(name, off);
    }
    return off;
  }
  finish(): Uint8Array {
    return this.writer.finish();
  }
}
