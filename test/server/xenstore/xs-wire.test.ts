import { describe, expect, it } from 'vitest';
import {
  decodeHeader,
  encodeMessage,
  latin1Bytes,
  latin1String,
  splitStrings,
  stringsPayload,
  XENSTORE_PAYLOAD_MAX,
  XsMessageReader,
  XsType,
  xsTypeName,
} from '../../../src/server/xenstore/xs-wire.ts';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('xs_wire.h codec', () => {
  // enum xsd_sockmsg_type, with XS_RESTRICT (20) removed and
  // XS_RESET_WATCHES = XS_SET_TARGET + 2.
  it.each([
    ['CONTROL', 0],
    ['DIRECTORY', 1],
    ['READ', 2],
    ['GET_PERMS', 3],
    ['WATCH', 4],
    ['UNWATCH', 5],
    ['TRANSACTION_START', 6],
    ['TRANSACTION_END', 7],
    ['INTRODUCE', 8],
    ['RELEASE', 9],
    ['GET_DOMAIN_PATH', 10],
    ['WRITE', 11],
    ['MKDIR', 12],
    ['RM', 13],
    ['SET_PERMS', 14],
    ['WATCH_EVENT', 15],
    ['ERROR', 16],
    ['IS_DOMAIN_INTRODUCED', 17],
    ['RESUME', 18],
    ['SET_TARGET', 19],
    ['RESET_WATCHES', 21],
    ['DIRECTORY_PART', 22],
    ['INVALID', 0xffff],
  ] as const)('XS_%s is %i', (name, value) => {
    expect(XsType[name]).toBe(value);
    expect(xsTypeName(value)).toBe(name);
  });

  it('lays out struct xsd_sockmsg as four little-endian u32 then the payload', () => {
    const msg = encodeMessage({
      type: XsType.WRITE,
      reqId: 0x01020304,
      txId: 0xa0b0c0d0,
      payload: latin1Bytes('a/b\0hi'),
    });
    expect(msg).toEqual(
      bytes(
        11,
        0,
        0,
        0, // type
        0x04,
        0x03,
        0x02,
        0x01, // req_id
        0xd0,
        0xc0,
        0xb0,
        0xa0, // tx_id
        6,
        0,
        0,
        0, // len
        0x61,
        0x2f,
        0x62,
        0x00,
        0x68,
        0x69,
      ),
    );
    expect(decodeHeader(msg)).toEqual({ type: 11, reqId: 0x01020304, txId: 0xa0b0c0d0, len: 6 });
  });

  it('reads a header at an offset inside a larger buffer', () => {
    const buf = new Uint8Array(48);
    buf.set(encodeMessage({ type: 2, reqId: 7, txId: 0, payload: stringsPayload(['x']) }), 24);
    expect(decodeHeader(buf.subarray(4), 20)).toEqual({ type: 2, reqId: 7, txId: 0, len: 2 });
  });

  it('keeps every byte value through Latin-1 strings', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(latin1Bytes(latin1String(all))).toEqual(all);
  });

  it('splits NUL-terminated strings and refuses an unterminated one', () => {
    expect(splitStrings(latin1Bytes('a\0bc\0\0'))).toEqual(['a', 'bc', '']);
    expect(splitStrings(new Uint8Array(0))).toEqual([]);
    expect(splitStrings(latin1Bytes('a\0b'))).toBeUndefined();
    expect(stringsPayload(['OK'])).toEqual(bytes(0x4f, 0x4b, 0));
  });

  describe('incremental reader', () => {
    it('assembles a message delivered one byte at a time', () => {
      const msg = encodeMessage({
        type: 2,
        reqId: 9,
        txId: 3,
        payload: stringsPayload(['/local']),
      });
      const r = new XsMessageReader();
      for (let i = 0; i < msg.length - 1; i++) {
        expect(r.wanted).toBe(i < 16 ? 16 - i : msg.length - i);
        r.push(msg.subarray(i, i + 1));
        expect(r.next()).toBeUndefined();
      }
      r.push(msg.subarray(msg.length - 1));
      expect(r.next()).toEqual({ type: 2, reqId: 9, txId: 3, payload: stringsPayload(['/local']) });
      expect(r.pending).toBe(0);
    });

    it('takes several messages out of one push and keeps the remainder', () => {
      const a = encodeMessage({ type: 1, reqId: 1, txId: 0, payload: stringsPayload(['/']) });
      const b = encodeMessage({ type: 2, reqId: 2, txId: 0, payload: new Uint8Array(0) });
      const r = new XsMessageReader();
      const both = new Uint8Array([...a, ...b, 0xaa]);
      r.push(both);
      expect(r.next()?.reqId).toBe(1);
      expect(r.next()?.reqId).toBe(2);
      expect(r.next()).toBeUndefined();
      expect(r.pending).toBe(1);
    });

    it('accepts exactly XENSTORE_PAYLOAD_MAX and breaks on one byte more', () => {
      const ok = new XsMessageReader();
      ok.push(
        encodeMessage({
          type: 11,
          reqId: 1,
          txId: 0,
          payload: new Uint8Array(XENSTORE_PAYLOAD_MAX),
        }),
      );
      expect(ok.next()?.payload.length).toBe(XENSTORE_PAYLOAD_MAX);

      const bad = new XsMessageReader();
      const header = new Uint8Array(16);
      new DataView(header.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
      bad.push(header);
      expect(bad.next()).toBeUndefined();
      expect(bad.broken).toContain('exceeds XENSTORE_PAYLOAD_MAX');
      expect(bad.room).toBe(0);
      expect(bad.wanted).toBe(0);
    });
  });
});
