/**
 * The xenstore wire protocol of Xen's xen/include/public/io/xs_wire.h and
 * docs/misc/xenstore.txt: every message is a 16-byte little-endian header
 *
 *   struct xsd_sockmsg { uint32_t type, req_id, tx_id, len; }
 *
 * followed by `len` (≤ XENSTORE_PAYLOAD_MAX) bytes of payload, generally
 * NUL-terminated strings. Strings here are Latin-1: one char per byte, so
 * any byte a guest sends survives a round trip unchanged.
 */

/** enum xsd_sockmsg_type. */
export const XsType = {
  CONTROL: 0, // formerly XS_DEBUG
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  // 20 was XS_RESTRICT, since removed: XS_RESET_WATCHES = XS_SET_TARGET + 2.
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
  GET_FEATURE: 23,
  SET_FEATURE: 24,
  GET_QUOTA: 25,
  SET_QUOTA: 26,
  INVALID: 0xffff,
} as const;

export type XsTypeName = keyof typeof XsType;

const TYPE_NAMES = new Map<number, XsTypeName>(
  (Object.entries(XsType) as [XsTypeName, number][]).map(([k, v]) => [v, k]),
);

/** "READ", "WATCH_EVENT"… or the number for an unknown type. */
export function xsTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? String(type);
}

export const XSD_SOCKMSG_SIZE = 16;
/** "Violating this is very bad": the connection is dropped. */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** "Violating these just gets you an error back". */
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

export interface XsHeader {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly len: number;
}

/** Reads a header at `offset` (the bytes must be there). */
export function decodeHeader(bytes: Uint8Array, offset = 0): XsHeader {
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, XSD_SOCKMSG_SIZE);
  return {
    type: v.getUint32(0, true),
    reqId: v.getUint32(4, true),
    txId: v.getUint32(8, true),
    len: v.getUint32(12, true),
  };
}

/** Header plus payload, ready for a socket or a ring. */
export function encodeMessage(msg: XsMessage): Uint8Array {
  const out = new Uint8Array(XSD_SOCKMSG_SIZE + msg.payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, msg.type >>> 0, true);
  v.setUint32(4, msg.reqId >>> 0, true);
  v.setUint32(8, msg.txId >>> 0, true);
  v.setUint32(12, msg.payload.length, true);
  out.set(msg.payload, XSD_SOCKMSG_SIZE);
  return out;
}

/** Latin-1 bytes of a string (chars above U+00FF are not expected here). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** A string with one char per byte. */
export function latin1String(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x2000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return s;
}

/** Payload of NUL-terminated strings: "a\0b\0". */
export function stringsPayload(strings: readonly string[]): Uint8Array {
  return latin1Bytes(strings.map((s) => `${s}\0`).join(''));
}

/**
 * Splits a payload made only of NUL-terminated strings. Returns undefined
 * if the last string lacks its NUL (a malformed request).
 */
export function splitStrings(payload: Uint8Array): string[] | undefined {
  if (payload.length === 0) return [];
  if (payload[payload.length - 1] !== 0) return undefined;
  return latin1String(payload.subarray(0, payload.length - 1)).split('\0');
}

/**
 * Incremental decoder for a byte stream of messages: push whatever bytes
 * arrived, take complete messages out. A header announcing more than
 * XENSTORE_PAYLOAD_MAX is a protocol violation; the reader then refuses
 * everything else (`broken`).
 */
export class XsMessageReader {
  private buf = new Uint8Array(XSD_SOCKMSG_SIZE + XENSTORE_PAYLOAD_MAX);
  private used = 0;
  /** Set once a header was invalid; no more messages come out. */
  broken: string | undefined;

  /** Bytes held toward the next message. */
  get pending(): number {
    return this.used;
  }

  /** How many more bytes may be pushed before a message must be taken. */
  get room(): number {
    return this.broken ? 0 : this.buf.length - this.used;
  }

  /** Appends bytes; never more than `room`. */
  push(bytes: Uint8Array): void {
    if (this.broken) return;
    if (bytes.length > this.room) throw new RangeError('XsMessageReader overfilled');
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** The next complete message, if one has fully arrived. */
  next(): XsMessage | undefined {
    if (this.broken || this.used < XSD_SOCKMSG_SIZE) return undefined;
    const h = decodeHeader(this.buf);
    if (h.len > XENSTORE_PAYLOAD_MAX) {
      this.broken = `payload length ${h.len} exceeds XENSTORE_PAYLOAD_MAX (${XENSTORE_PAYLOAD_MAX})`;
      return undefined;
    }
    const total = XSD_SOCKMSG_SIZE + h.len;
    if (this.used < total) return undefined;
    const payload = this.buf.slice(XSD_SOCKMSG_SIZE, total);
    this.buf.copyWithin(0, total, this.used);
    this.used -= total;
    return { type: h.type, reqId: h.reqId, txId: h.txId, payload };
  }

  /** Bytes still needed before next() can return a message. */
  get wanted(): number {
    if (this.broken) return 0;
    if (this.used < XSD_SOCKMSG_SIZE) return XSD_SOCKMSG_SIZE - this.used;
    const h = decodeHeader(this.buf);
    return Math.max(0, XSD_SOCKMSG_SIZE + Math.min(h.len, XENSTORE_PAYLOAD_MAX) - this.used);
  }

  reset(): void {
    this.used = 0;
    this.broken = undefined;
  }
}
