import { describe, expect, it } from 'vitest';
import { PLIC_NDEV, UART0_IRQ } from '../../../src/machine/address-map';
import { EVTCHN_UPCALL_IRQ, ISA_IO_BASE, ISA_IO_SIZE } from '../../../src/vmm/abi/platform';
import { buildGuestDtb } from '../../../src/vmm/guest-dtb';
import { IoreqRegistry } from '../../../src/vmm/ioreq';
import { Com1 } from '../../../src/server/device-models/com1';
import {
  ISA_DEVICES,
  isaDtbDevice,
  isaIrqToPlic,
  isaPortRanges,
} from '../../../src/server/device-models/isa-port-map';
import { Mc146818Rtc } from '../../../src/server/device-models/mc146818-rtc';
import { Ps2Keyboard } from '../../../src/server/device-models/ps2-keyboard';
import { Vga } from '../../../src/server/device-models/vga';

describe('ISA port map', () => {
  // The PC/AT assignments (IBM PC AT Technical Reference, "System I/O Address Map").
  it.each([
    ['ps2', [0x60, 0x64], 1],
    ['rtc', [0x70], 8],
    ['ide0', [0x1f0, 0x3f6], 14],
    ['ne2000', [0x300], 9],
    ['vga', [0x3c0, 0x1ce], null],
    ['com1', [0x3f8], 4],
  ] as const)('places %s at %j with IRQ %s', (id, starts, irq) => {
    const d = ISA_DEVICES.find((x) => x.id === id);
    expect(d?.ports.map((p) => p.start)).toEqual(starts);
    expect(d?.isaIrq).toBe(irq);
  });

  it('has no two devices on one port, all inside the I/O window', () => {
    const ranges = ISA_DEVICES.flatMap((d) => d.ports.map((p) => ({ id: d.id, ...p })));
    for (const a of ranges) {
      expect(a.start + a.size).toBeLessThanOrEqual(ISA_IO_SIZE);
      for (const b of ranges) {
        if (a === b) continue;
        expect(a.start + a.size <= b.start || b.start + b.size <= a.start, `${a.id}/${b.id}`).toBe(
          true,
        );
      }
    }
  });

  it('maps ISA IRQs to free PLIC sources', () => {
    const irqs = ISA_DEVICES.flatMap((d) => (d.isaIrq === null ? [] : [isaIrqToPlic(d.isaIrq)]));
    expect(new Set(irqs).size).toBe(irqs.length);
    for (const s of irqs) {
      expect(s).toBeLessThan(PLIC_NDEV);
      expect(s).not.toBe(UART0_IRQ);
      expect(s).not.toBe(EVTCHN_UPCALL_IRQ);
    }
    expect(() => isaIrqToPlic(16)).toThrow(RangeError);
  });

  it('describes a device for the guest DTB and the DTB builder takes it', () => {
    const com1 = isaDtbDevice('com1');
    expect(com1).toMatchObject({
      name: 'serial',
      compatible: ['ns16550a'],
      base: ISA_IO_BASE + 0x3f8,
      size: 8,
      irq: isaIrqToPlic(4),
    });
    expect(com1.props).toMatchObject({ 'clock-frequency': 1_843_200, 'tabvisor,isa-irq': 4 });
    const vga = isaDtbDevice('vga', {
      isaMemoryBase: 0x4000_0000,
      props: { 'tabvisor,framebuffer': [0x5000_0000, 0x40_0000] },
    });
    expect(vga.props?.['tabvisor,isa-ports']).toEqual([0x3c0, 0x20, 0x1ce, 4]);
    expect(vga.props?.['tabvisor,isa-memory']).toEqual([0x400b_8000, 0x8000]);
    expect(vga.irq).toBeUndefined();
    const dtb = buildGuestDtb({
      type: 'hvm',
      vcpus: 1,
      ramBase: 0x8000_0000,
      ramSize: 0x100_0000,
      devices: (['com1', 'ps2', 'rtc', 'vga'] as const).map((id) => isaDtbDevice(id)),
      sharedInfo: 0x8000_1000,
      reserved: { address: 0x80ff_0000, size: 0x1_0000 },
    });
    const text = new TextDecoder('latin1').decode(dtb);
    for (const node of [
      'serial@30003f8',
      'keyboard-controller@3000060',
      'rtc@3000070',
      'vga@30003c0',
    ]) {
      expect(text).toContain(node);
    }
    expect(text).toContain('motorola,mc146818');
  });

  it('lets all the models of one HVM domain register side by side', () => {
    const reg = new IoreqRegistry();
    const models = [
      new Com1(),
      new Ps2Keyboard(),
      new Mc146818Rtc({ clock: () => 0 }),
      new Vga({ textBase: 0x400b_8000, lfbBase: 0x5000_0000, vramSize: 1 << 20 }),
    ];
    for (const m of models) for (const spec of m.ioreqSpecs()) reg.register(spec, () => null);
    expect(reg.size).toBe(6);
    expect(isaPortRanges('ps2')).toEqual([
      { type: 'port', start: 0x60, size: 1 },
      { type: 'port', start: 0x64, size: 1 },
    ]);
    // The ports nobody models stay unclaimed (IDE, NE2000 are later work).
    expect(reg.find(ISA_IO_BASE + 0x1f0, 1)).toBeUndefined();
  });
});
