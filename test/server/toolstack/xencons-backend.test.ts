import { describe, expect, it } from 'vitest';
import { XenconsInterface as X } from '../../../src/vmm/abi/ring.ts';
import { XenconsBackend } from '../../../src/server/toolstack/xencons-backend.ts';

/** A console page with the guest's side of console.h's ring operations. */
function setup() {
  const page = new Uint8Array(4096);
  const view = new DataView(page.buffer);
  const out: string[] = [];
  let notifies = 0;
  const be = new XenconsBackend(
    page,
    () => notifies++,
    (b) => out.push(new TextDecoder().decode(b)),
  );
  const u32 = (o: number): number => view.getUint32(o, true);
  const guestWrite = (s: string): void => {
    let prod = u32(X.out_prod);
    for (const c of new TextEncoder().encode(s)) page[X.out + (prod++ & (X.out_size - 1))] = c;
    view.setUint32(X.out_prod, prod >>> 0, true);
  };
  const guestRead = (): string => {
    let cons = u32(X.in_cons);
    const prod = u32(X.in_prod);
    const bytes: number[] = [];
    while (cons !== prod) bytes.push(page[X.in + (cons++ & (X.in_size - 1))] as number);
    view.setUint32(X.in_cons, cons >>> 0, true);
    return new TextDecoder().decode(Uint8Array.from(bytes));
  };
  return { page, view, out, be, guestWrite, guestRead, notifies: () => notifies };
}

describe('PV console back end (console.h xencons_interface)', () => {
  it('consumes the out ring, across the wrap, and notifies the guest', () => {
    const t = setup();
    t.view.setUint32(X.out_prod, 0xfffffffe, true);
    t.view.setUint32(X.out_cons, 0xfffffffe, true);
    t.guestWrite('hello');
    t.be.service();
    expect(t.out).toEqual(['hello']);
    expect(t.view.getUint32(X.out_cons, true)).toBe(3);
    expect(t.notifies()).toBe(1);
    expect(t.be.active).toBe(true);
    t.be.service();
    expect(t.out).toEqual(['hello']);
    expect(t.notifies()).toBe(1);
  });

  it('feeds typed keys into the in ring as room allows, keeping the rest', () => {
    const t = setup();
    t.be.input(new Uint8Array(1500).fill(0x61));
    expect(t.view.getUint32(X.in_prod, true)).toBe(1024);
    expect(t.be.pendingInput).toBe(476);
    expect(t.guestRead()).toHaveLength(1024);
    t.be.service(); // the guest notifies after reading
    expect(t.be.pendingInput).toBe(0);
    expect(t.guestRead()).toHaveLength(476);
    expect(t.be.bytesIn).toBe(1500);
  });

  it('drops output whose indices a guest corrupted, and never reads outside the ring', () => {
    const t = setup();
    t.view.setUint32(X.out_prod, 100_000, true);
    t.be.service();
    expect(t.out).toEqual([]);
    expect(t.be.protocolErrors).toBe(1);
    expect(t.view.getUint32(X.out_cons, true)).toBe(100_000);
    t.guestWrite('ok');
    t.be.service();
    expect(t.out).toEqual(['ok']);
  });
});
