import { describe, expect, it } from 'vitest';
import { ISA_IO_BASE } from '../../src/vmm/abi/platform';
import { IoreqError, IoreqRegistry } from '../../src/vmm/ioreq';

const handler = (log: string[]) => ({
  read: (a: number, s: number) => (log.push(`r${a.toString(16)}/${s}`), a & 0xff),
  write: (a: number, s: number, v: number) => void log.push(`w${a.toString(16)}/${s}=${v}`),
});
const none = () => null;

describe('ioreq servers', () => {
  it('decode MMIO and ISA port ranges and hand the device its address or port', () => {
    const reg = new IoreqRegistry();
    const log: string[] = [];
    reg.register(
      {
        name: 'ide0',
        ranges: [
          { type: 'port', start: 0x1f0, size: 8 },
          { type: 'port', start: 0x3f6, size: 1 },
        ],
        handler: handler(log),
      },
      none,
    );
    reg.register(
      {
        name: 'vga',
        ranges: [{ type: 'mmio', start: 0x400b8000, size: 0x8000 }],
        handler: handler(log),
      },
      none,
    );
    const c = reg.find(ISA_IO_BASE + 0x1f7, 1)!;
    expect(IoreqRegistry.reason(c)).toBe('port:ide0');
    expect(IoreqRegistry.read(c, ISA_IO_BASE + 0x1f7, 1)).toBe(0xf7);
    expect(IoreqRegistry.detail(c, ISA_IO_BASE + 0x1f7)).toBe(0x1f7);
    const m = reg.find(0x400b8010, 2)!;
    expect(IoreqRegistry.reason(m)).toBe('mmio:vga');
    IoreqRegistry.write(m, 0x400b8010, 2, 0x741);
    expect(log).toEqual(['r1f7/1', 'w400b8010/2=1857']);
    expect(reg.find(ISA_IO_BASE + 0x1f8, 1)).toBeUndefined();
    expect(reg.find(ISA_IO_BASE + 0x1f7, 2)).toBeUndefined(); // straddles the end
    expect(reg.size).toBe(2);
  });

  it('refuses overlaps, bad ranges and fixed regions, and unregisters', () => {
    const reg = new IoreqRegistry();
    const s = reg.register(
      {
        name: 'a',
        ranges: [{ type: 'mmio', start: 0x10000000, size: 0x100 }],
        handler: handler([]),
      },
      none,
    );
    expect(() =>
      reg.register(
        { name: 'b', ranges: [{ type: 'mmio', start: 0x100000ff, size: 2 }], handler: handler([]) },
        none,
      ),
    ).toThrow(/overlaps ioreq server a/);
    expect(() =>
      reg.register(
        { name: 'c', ranges: [{ type: 'port', start: 0xffff, size: 2 }], handler: handler([]) },
        none,
      ),
    ).toThrow(IoreqError);
    expect(() =>
      reg.register(
        { name: 'd', ranges: [{ type: 'mmio', start: 0, size: 0 }], handler: handler([]) },
        none,
      ),
    ).toThrow(/bad range/);
    expect(() =>
      reg.register(
        {
          name: 'e',
          ranges: [{ type: 'mmio', start: 0x80000000, size: 16 }],
          handler: handler([]),
        },
        () => 'guest RAM',
      ),
    ).toThrow(/overlaps guest RAM/);
    s.unregister();
    expect(reg.find(0x10000000, 4)).toBeUndefined();
    reg.register(
      { name: 'b', ranges: [{ type: 'mmio', start: 0x100000ff, size: 2 }], handler: handler([]) },
      none,
    );
  });
});
