import { describe, expect, it } from 'vitest';
import { XenStore, type XsConnection } from '../../../src/server/xenstore/xenstore.ts';
import { handleXsRequest } from '../../../src/server/xenstore/xs-request.ts';
import {
  latin1Bytes,
  latin1String,
  stringsPayload,
  XsType,
  type XsMessage,
} from '../../../src/server/xenstore/xs-wire.ts';

let reqId = 100;
function call(conn: XsConnection, type: number, payload: string | Uint8Array, txId = 0): XsMessage {
  const req = {
    type,
    reqId: ++reqId,
    txId,
    payload: typeof payload === 'string' ? latin1Bytes(payload) : payload,
  };
  const reply = conn.run(() => handleXsRequest(conn, req));
  expect(reply.reqId).toBe(req.reqId);
  expect(reply.txId).toBe(txId);
  return reply;
}

/** The reply as "TYPE:payload" with NULs shown as |. */
function show(reply: XsMessage): string {
  const name = reply.type === XsType.ERROR ? 'ERROR' : String(reply.type);
  return `${name}:${latin1String(reply.payload).replaceAll('\0', '|')}`;
}

function setup() {
  const store = new XenStore();
  const dom0 = store.connect(0);
  dom0.write('/local/domain/1', '');
  dom0.setPermissions('/local/domain/1', [
    { domid: 0, access: 'n' },
    { domid: 1, access: 'r' },
  ]);
  dom0.write('/local/domain/1/data', '');
  dom0.setPermissions('/local/domain/1/data', [{ domid: 1, access: 'n' }]);
  return { store, dom0, guest: store.connect(1) };
}

describe('xenstore requests on the wire (docs/misc/xenstore.txt)', () => {
  it('WRITE <path>|<value> then READ <path>| returns the raw value, NULs and all', () => {
    const { guest } = setup();
    const value = Uint8Array.of(0x68, 0, 0x69, 0xff);
    const payload = new Uint8Array([...latin1Bytes('data/v\0'), ...value]);
    expect(show(call(guest, XsType.WRITE, payload))).toBe(`${XsType.WRITE}:OK|`);
    const reply = call(guest, XsType.READ, 'data/v\0');
    expect(reply.type).toBe(XsType.READ);
    expect(reply.payload).toEqual(value);
  });

  it('answers MKDIR, DIRECTORY, RM', () => {
    const { guest } = setup();
    call(guest, XsType.MKDIR, 'data/a\0');
    call(guest, XsType.MKDIR, 'data/b\0');
    expect(show(call(guest, XsType.DIRECTORY, 'data\0'))).toBe(`${XsType.DIRECTORY}:a|b|`);
    expect(show(call(guest, XsType.RM, 'data/a\0'))).toBe(`${XsType.RM}:OK|`);
    expect(show(call(guest, XsType.DIRECTORY, 'data\0'))).toBe(`${XsType.DIRECTORY}:b|`);
  });

  it('answers GET_PERMS and SET_PERMS, ignoring a trailing reserved empty string', () => {
    const { guest } = setup();
    call(guest, XsType.WRITE, 'data/p\0x');
    expect(show(call(guest, XsType.SET_PERMS, 'data/p\0n1\0r0\0\0'))).toBe(
      `${XsType.SET_PERMS}:OK|`,
    );
    expect(show(call(guest, XsType.GET_PERMS, 'data/p\0'))).toBe(`${XsType.GET_PERMS}:n1|r0|`);
    expect(show(call(guest, XsType.SET_PERMS, 'data/p\0q1\0'))).toBe('ERROR:EINVAL|');
    expect(show(call(guest, XsType.SET_PERMS, 'data/p\0'))).toBe('ERROR:EINVAL|');
  });

  it('replies XS_ERROR with the errno name, echoing req_id and tx_id', () => {
    const { guest } = setup();
    const reply = call(guest, XsType.READ, 'data/none\0');
    expect(reply.type).toBe(XsType.ERROR);
    expect(reply.payload).toEqual(stringsPayload(['ENOENT']));
    expect(show(call(guest, XsType.READ, '/local/domain/0\0'))).toBe('ERROR:EACCES|');
  });

  it.each([
    ['a path without its NUL', XsType.READ, 'data'],
    ['two strings where one is expected', XsType.READ, 'data\0x\0'],
    ['an empty payload', XsType.READ, ''],
    ['a bad path', XsType.READ, 'a//b\0'],
    ['WRITE without a NUL', XsType.WRITE, 'data/x'],
    ['WATCH without a token', XsType.WATCH, 'data\0'],
    ['TRANSACTION_END with neither T nor F', XsType.TRANSACTION_END, 'X\0'],
    ['a bad domid', XsType.GET_DOMAIN_PATH, '70000\0'],
    ['a non-numeric domid', XsType.IS_DOMAIN_INTRODUCED, 'one\0'],
    ['DIRECTORY_PART without an offset', XsType.DIRECTORY_PART, 'data\0'],
  ])('refuses %s with EINVAL', (_what, type, payload) => {
    const { guest } = setup();
    expect(show(call(guest, type, payload))).toBe('ERROR:EINVAL|');
  });

  it('answers unknown and reply-only types with ENOSYS', () => {
    const { guest } = setup();
    for (const type of [
      XsType.WATCH_EVENT,
      XsType.ERROR,
      XsType.GET_QUOTA,
      20,
      99,
      0xffff,
      0xffffffff,
    ]) {
      expect(show(call(guest, type, 'x\0'))).toBe('ERROR:ENOSYS|');
    }
  });

  it('runs a transaction through the tx_id header field', () => {
    const { guest, dom0 } = setup();
    const start = call(guest, XsType.TRANSACTION_START, '\0');
    expect(start.type).toBe(XsType.TRANSACTION_START);
    const tx = Number(latin1String(start.payload).replace(/\0$/, ''));
    expect(tx).toBeGreaterThan(0);
    call(guest, XsType.WRITE, 'data/t\0in-tx', tx);
    expect(dom0.exists('/local/domain/1/data/t')).toBe(false);
    expect(show(call(guest, XsType.TRANSACTION_END, 'T\0', tx))).toBe(
      `${XsType.TRANSACTION_END}:OK|`,
    );
    expect(dom0.readString('/local/domain/1/data/t')).toBe('in-tx');
    expect(show(call(guest, XsType.TRANSACTION_END, 'T\0', tx))).toBe('ERROR:ENOENT|');
    expect(show(call(guest, XsType.TRANSACTION_START, '\0', 5))).toBe('ERROR:EBUSY|');
  });

  it('reports a conflicting commit as EAGAIN', () => {
    const { guest, dom0 } = setup();
    const tx = Number(
      latin1String(call(guest, XsType.TRANSACTION_START, '\0').payload).slice(0, -1),
    );
    call(guest, XsType.READ, 'data\0', tx);
    dom0.write('/local/domain/1/data', 'changed');
    call(guest, XsType.WRITE, 'data/x\0y', tx);
    expect(show(call(guest, XsType.TRANSACTION_END, 'T\0', tx))).toBe('ERROR:EAGAIN|');
  });

  it('answers domain queries, and keeps management requests to dom0', () => {
    const { guest, dom0, store } = setup();
    expect(show(call(guest, XsType.GET_DOMAIN_PATH, '5\0'))).toBe(
      `${XsType.GET_DOMAIN_PATH}:/local/domain/5|`,
    );
    expect(show(call(guest, XsType.INTRODUCE, '5\0' + '4096\0' + '3\0'))).toBe('ERROR:EACCES|');
    expect(show(call(guest, XsType.RELEASE, '5\0'))).toBe('ERROR:EACCES|');
    expect(show(call(guest, XsType.SET_TARGET, '5\0' + '1\0'))).toBe('ERROR:EACCES|');
    expect(show(call(guest, XsType.CONTROL, 'print\0hi\0'))).toBe('ERROR:EACCES|');
    expect(show(call(dom0, XsType.INTRODUCE, '5\0' + '4096\0' + '3\0'))).toBe(
      `${XsType.INTRODUCE}:OK|`,
    );
    expect(store.isDomainIntroduced(5)).toBe(true);
    expect(show(call(guest, XsType.IS_DOMAIN_INTRODUCED, '5\0'))).toBe(
      `${XsType.IS_DOMAIN_INTRODUCED}:T|`,
    );
    expect(show(call(dom0, XsType.RESUME, '5\0'))).toBe(`${XsType.RESUME}:OK|`);
    expect(show(call(dom0, XsType.RELEASE, '5\0'))).toBe(`${XsType.RELEASE}:OK|`);
    expect(show(call(dom0, XsType.RESUME, '5\0'))).toBe('ERROR:ENOENT|');
    expect(show(call(guest, XsType.IS_DOMAIN_INTRODUCED, '5\0'))).toBe(
      `${XsType.IS_DOMAIN_INTRODUCED}:F|`,
    );
    expect(show(call(dom0, XsType.CONTROL, 'check\0'))).toBe(`${XsType.CONTROL}:OK|`);
    expect(show(call(dom0, XsType.CONTROL, 'frobnicate\0'))).toBe('ERROR:EINVAL|');
  });

  it('sets watches over the wire; RESET_WATCHES drops them', () => {
    const { guest } = setup();
    const events: string[] = [];
    guest.onWatchEvent = (p, t) => events.push(`${p} ${t}`);
    expect(show(call(guest, XsType.WATCH, 'data\0tok\0'))).toBe(`${XsType.WATCH}:OK|`);
    expect(events).toEqual(['data tok']);
    expect(show(call(guest, XsType.WATCH, 'data\0tok\0'))).toBe('ERROR:EEXIST|');
    call(guest, XsType.RESET_WATCHES, '\0');
    expect(guest.watches).toEqual([]);
    expect(show(call(guest, XsType.UNWATCH, 'data\0tok\0'))).toBe('ERROR:ENOENT|');
  });

  describe('DIRECTORY_PART', () => {
    const names = Array.from({ length: 400 }, (_, i) => `child-${String(i).padStart(5, '0')}`);

    it('refuses a DIRECTORY reply above XENSTORE_PAYLOAD_MAX, and DIRECTORY_PART pages it', () => {
      const { dom0 } = setup();
      for (const n of names) dom0.mkdir(`/big/${n}`);
      expect(show(call(dom0, XsType.DIRECTORY, '/big\0'))).toBe('ERROR:E2BIG|');

      const got: string[] = [];
      let offset = 0;
      let generation: string | undefined;
      for (let page = 0; page < 10; page++) {
        const reply = call(dom0, XsType.DIRECTORY_PART, `/big\0${offset}\0`);
        expect(reply.type).toBe(XsType.DIRECTORY_PART);
        expect(reply.payload.length).toBeLessThanOrEqual(4096);
        const [gen, ...rest] = latin1String(reply.payload).split('\0');
        generation ??= gen;
        expect(gen).toBe(generation);
        // A complete list ends with an empty string: "...last\0\0".
        const done = latin1String(reply.payload).endsWith('\0\0');
        const children = rest.slice(0, done ? -2 : -1);
        got.push(...children);
        offset += children.reduce((n, c) => n + c.length + 1, 0);
        if (done) break;
      }
      expect(got).toEqual(names);
      expect(Number.parseInt(generation ?? '', 16)).toBeGreaterThan(0);
    });

    it('returns just the end marker past the end', () => {
      const { dom0 } = setup();
      dom0.mkdir('/few/a');
      const reply = call(dom0, XsType.DIRECTORY_PART, '/few\x00100\0');
      expect(latin1String(reply.payload)).toMatch(/^[0-9a-f]+\0\0$/);
    });
  });
});
