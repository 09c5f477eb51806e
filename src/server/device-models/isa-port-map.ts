import { ISA_IO_BASE } from '../../vmm/abi/platform';
import type { DtbDevice } from '../../vmm/domain-config';
import type { IoreqRange } from '../../vmm/ioreq';

/**
 * The legacy PC devices of an HVM guest: their standard I/O ports (IBM PC/AT
 * Technical Reference, as every PC chipset keeps them), ISA IRQs and ISA
 * memory. One table for the VM server (which registers the ports as ioreq
 * ranges) and the DTB generator (which describes each device to the guest),
 * so they cannot disagree. Ports sit in the ISA I/O window: port N is at
 * guest-physical ISA_IO_BASE + N (DESIGN.md).
 */

export type IsaDeviceId = 'com1' | 'ps2' | 'rtc' | 'vga' | 'ide0' | 'ne2000';

export interface IsaPortRange {
  readonly start: number;
  readonly size: number;
}

export interface IsaDevice {
  readonly id: IsaDeviceId;
  readonly description: string;
  /** I/O port ranges, the register block first. */
  readonly ports: readonly IsaPortRange[];
  /** ISA IRQ number (the 8259 input on a PC), or null for none. */
  readonly isaIrq: number | null;
  /** ISA memory the device decodes (the VGA text buffer). */
  readonly isaMemory: readonly IsaPortRange[];
  /** The model file in src/server/device-models, or null where the model is another piece of work. */
  readonly model: string | null;
  /** Device tree node name and compatible strings. */
  readonly dtbName: string;
  readonly compatible: readonly string[];
  readonly dtbProps?: Readonly<Record<string, number | number[] | string | string[]>>;
}

export const ISA_DEVICES: readonly IsaDevice[] = [
  {
    id: 'ps2',
    description: 'i8042 keyboard controller (data 0x60, status/command 0x64)',
    ports: [
      { start: 0x60, size: 1 },
      { start: 0x64, size: 1 },
    ],
    isaIrq: 1,
    isaMemory: [],
    model: 'ps2-keyboard.ts',
    dtbName: 'keyboard-controller',
    compatible: ['tabvisor,i8042', 'intel,8042'],
  },
  {
    id: 'rtc',
    description: 'MC146818 real-time clock and CMOS RAM (index 0x70, data 0x71)',
    ports: [{ start: 0x70, size: 2 }],
    isaIrq: 8,
    isaMemory: [],
    model: 'mc146818-rtc.ts',
    dtbName: 'rtc',
    // Linux drivers/rtc/rtc-cmos.c matches "motorola,mc146818".
    compatible: ['motorola,mc146818'],
  },
  {
    id: 'ide0',
    description: 'primary IDE channel (command block 0x1F0–0x1F7, control 0x3F6)',
    ports: [
      { start: 0x1f0, size: 8 },
      { start: 0x3f6, size: 1 },
    ],
    isaIrq: 14,
    isaMemory: [],
    model: 'ide.ts',
    dtbName: 'ide',
    compatible: ['tabvisor,isa-ide', 'ata-generic'],
  },
  {
    id: 'ne2000',
    description: 'NE2000 Ethernet (0x300–0x31F)',
    ports: [{ start: 0x300, size: 0x20 }],
    // QEMU's PC places its first ISA NE2000 at 0x300 with IRQ 9 (hw/i386/pc.c ne2000_irq[]).
    isaIrq: 9,
    isaMemory: [],
    // No static props: `local-mac-address` differs per guest, so whoever wires the model adds it.
    model: 'ne2000.ts',
    dtbName: 'ethernet',
    compatible: ['tabvisor,ne2000'],
  },
  {
    id: 'vga',
    description:
      'VGA (0x3C0–0x3DF, text buffer at 0xB8000) with Bochs VBE (0x1CE/0x1CF, 0x1D0 data alias; a 16-bit access there spans 0x1D0–0x1D1)',
    ports: [
      { start: 0x3c0, size: 0x20 },
      { start: 0x1ce, size: 4 },
    ],
    isaIrq: null,
    isaMemory: [{ start: 0xb8000, size: 0x8000 }],
    model: 'vga.ts',
    dtbName: 'vga',
    compatible: ['tabvisor,vga'],
  },
  {
    id: 'com1',
    description: '16550A UART COM1 (0x3F8–0x3FF)',
    ports: [{ start: 0x3f8, size: 8 }],
    isaIrq: 4,
    isaMemory: [],
    model: 'com1.ts',
    dtbName: 'serial',
    compatible: ['ns16550a'],
    // A PC UART runs from a 1.8432 MHz crystal (PC16550D datasheet, divisor table).
    dtbProps: { 'clock-frequency': 1_843_200, 'reg-shift': 0, 'reg-io-width': 1 },
  },
];

/**
 * ISA IRQ n reaches the guest's PLIC as source ISA_IRQ_PLIC_BASE + n: the
 * sources above QEMU virt's own (UART 10, virtio 1–8, PCIe 0x20–0x23) and the
 * event-channel upcall (31), inside riscv,ndev = 0x60.
 */
export const ISA_IRQ_PLIC_BASE = 0x40;

export function isaIrqToPlic(isaIrq: number): number {
  if (!Number.isInteger(isaIrq) || isaIrq < 0 || isaIrq > 15) {
    throw new RangeError(`ISA IRQ ${isaIrq} is not 0–15`);
  }
  return ISA_IRQ_PLIC_BASE + isaIrq;
}

export function isaDevice(id: IsaDeviceId): IsaDevice {
  const d = ISA_DEVICES.find((x) => x.id === id);
  if (!d) throw new RangeError(`no ISA device ${id}`);
  return d;
}

/** The device's ports as ioreq ranges (port numbers; the VMM adds ISA_IO_BASE). */
export function isaPortRanges(id: IsaDeviceId): IoreqRange[] {
  return isaDevice(id).ports.map((p) => ({ type: 'port', start: p.start, size: p.size }));
}

export interface IsaDtbOptions {
  /** Guest-physical base of the ISA I/O window (default ISA_IO_BASE). */
  isaIoBase?: number;
  /** Guest-physical base of ISA memory, for devices that decode some (the VGA text buffer). */
  isaMemoryBase?: number;
  /** Extra properties (e.g. the VGA's framebuffer address, which the VM server chooses). */
  props?: DtbDevice['props'];
}

/**
 * The device's DTB node for the VMM's guest DTB builder: `reg` is the first
 * port range in the I/O window; every range is also listed as
 * `tabvisor,isa-ports = <port size …>` (a node carries one `reg` here), with
 * the ISA IRQ in `tabvisor,isa-irq` and the PLIC source in `interrupts`.
 */
export function isaDtbDevice(id: IsaDeviceId, opts: IsaDtbOptions = {}): DtbDevice {
  const d = isaDevice(id);
  const ioBase = opts.isaIoBase ?? ISA_IO_BASE;
  const first = d.ports[0];
  if (!first) throw new RangeError(`${id} has no ports`);
  const props: NonNullable<DtbDevice['props']> = {
    ...d.dtbProps,
    'tabvisor,isa-ports': d.ports.flatMap((p) => [p.start, p.size]),
  };
  if (d.isaIrq !== null) props['tabvisor,isa-irq'] = d.isaIrq;
  if (d.isaMemory.length > 0 && opts.isaMemoryBase !== undefined) {
    const memBase = opts.isaMemoryBase;
    props['tabvisor,isa-memory'] = d.isaMemory.flatMap((m) => [memBase + m.start, m.size]);
  }
  Object.assign(props, opts.props);
  const dev: DtbDevice = {
    name: d.dtbName,
    compatible: [...d.compatible],
    base: ioBase + first.start,
    size: first.size,
    props,
  };
  if (d.isaIrq !== null) dev.irq = isaIrqToPlic(d.isaIrq);
  return dev;
}
