import {
  PLIC_NDEV,
  TIMEBASE_HZ,
  UART0_CLOCK_HZ,
  UART0_IRQ,
  VIRT_MEMMAP,
  type MmioWindow,
} from './address-map';
import { FdtNode, fdtValue, serializeFdt } from './fdt';
import { FinisherCommand } from './test-finisher';

/**
 * The device tree of the `virt`-like board, generated from the address map.
 * Shape and bindings follow what QEMU 7.2 generates for `-M virt` (checked with
 * `qemu-system-riscv32 -M virt,dumpdtb=…`), reduced to the devices emulated:
 * Linux bindings riscv/cpus.yaml, sifive,clint0, sifive,plic-1.0.0,
 * ns16550a (serial/8250.yaml), sifive,test0 + syscon-poweroff/syscon-reboot.
 */

/** Interrupt cause numbers on the hart's local controller (privileged spec 3.1.9, mip). */
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

const PHANDLE = { cpu0: 1, cpu0Intc: 2, plic: 3, test: 4 } as const;

export const RISCV_ISA = 'rv32imac_zicsr_zifencei';
const ISA_EXTENSIONS = ['i', 'm', 'a', 'c', 'zicsr', 'zifencei'];

export interface VirtDtbOptions {
  ramSize: number;
  bootargs?: string;
}

const unitName = (name: string, w: MmioWindow): string => `${name}@${w.base.toString(16)}`;
/** reg with #address-cells = #size-cells = 2, as QEMU uses even on RV32. */
const reg = (w: MmioWindow): Uint8Array => fdtValue.u64(w.base, w.size);

export function buildVirtDeviceTree(opts: VirtDtbOptions): FdtNode {
  const m = VIRT_MEMMAP;
  const root = new FdtNode('');
  root
    .setU32('#address-cells', 2)
    .setU32('#size-cells', 2)
    .setString('compatible', 'riscv-virtio')
    .setString('model', 'riscv-virtio,tabvisor');

  const uartPath = `/soc/${unitName('serial', m.uart0)}`;
  const chosen = root.addChild('chosen').setString('stdout-path', uartPath);
  if (opts.bootargs !== undefined) chosen.setString('bootargs', opts.bootargs);

  root
    .addChild(unitName('memory', { base: m.dram.base, size: opts.ramSize }))
    .setString('device_type', 'memory')
    .set('reg', fdtValue.u64(m.dram.base, opts.ramSize));

  const cpus = root
    .addChild('cpus')
    .setU32('#address-cells', 1)
    .setU32('#size-cells', 0)
    .setU32('timebase-frequency', TIMEBASE_HZ);
  const cpu0 = cpus
    .addChild('cpu@0')
    .setU32('phandle', PHANDLE.cpu0)
    .setString('device_type', 'cpu')
    .setU32('reg', 0)
    .setString('status', 'okay')
    .setString('compatible', 'riscv')
    .setString('riscv,isa', RISCV_ISA)
    .setString('riscv,isa-base', 'rv32i')
    .setStrings('riscv,isa-extensions', ISA_EXTENSIONS)
    .setString('mmu-type', 'riscv,sv32');
  cpu0
    .addChild('interrupt-controller')
    .setU32('#address-cells', 0) // keeps dtc's interrupt_provider check quiet
    .setU32('#interrupt-cells', 1)
    .setEmpty('interrupt-controller')
    .setString('compatible', 'riscv,cpu-intc')
    .setU32('phandle', PHANDLE.cpu0Intc);

  // Like QEMU, the syscon-poweroff/reboot nodes sit at the root and point at the test device.
  root
    .addChild('poweroff')
    .setU32('value', FinisherCommand.PASS)
    .setU32('offset', 0)
    .setU32('regmap', PHANDLE.test)
    .setString('compatible', 'syscon-poweroff');
  root
    .addChild('reboot')
    .setU32('value', FinisherCommand.RESET)
    .setU32('offset', 0)
    .setU32('regmap', PHANDLE.test)
    .setString('compatible', 'syscon-reboot');

  const soc = root
    .addChild('soc')
    .setU32('#address-cells', 2)
    .setU32('#size-cells', 2)
    .setString('compatible', 'simple-bus')
    .setEmpty('ranges');
  soc
    .addChild(unitName('test', m.test))
    .setU32('phandle', PHANDLE.test)
    .set('reg', reg(m.test))
    .setStrings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']);
  soc
    .addChild(unitName('serial', m.uart0))
    .setU32('interrupts', UART0_IRQ)
    .setU32('interrupt-parent', PHANDLE.plic)
    .setU32('clock-frequency', UART0_CLOCK_HZ)
    .set('reg', reg(m.uart0))
    .setString('compatible', 'ns16550a');
  soc
    .addChild(unitName('plic', m.plic))
    .setU32('phandle', PHANDLE.plic)
    .setU32('riscv,ndev', PLIC_NDEV)
    .set('reg', reg(m.plic))
    // Context 0 = hart 0 M-mode external (11), context 1 = hart 0 S-mode external (9).
    .setU32('interrupts-extended', PHANDLE.cpu0Intc, IRQ_M_EXT, PHANDLE.cpu0Intc, IRQ_S_EXT)
    .setEmpty('interrupt-controller')
    .setStrings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .setU32('#address-cells', 0)
    .setU32('#interrupt-cells', 1);
  soc
    .addChild(unitName('clint', m.clint))
    .setU32('interrupts-extended', PHANDLE.cpu0Intc, IRQ_M_SOFT, PHANDLE.cpu0Intc, IRQ_M_TIMER)
    .set('reg', reg(m.clint))
    .setStrings('compatible', ['sifive,clint0', 'riscv,clint0']);
  return root;
}

/** The board's DTB blob. */
export function buildVirtDtb(opts: VirtDtbOptions): Uint8Array {
  return serializeFdt(buildVirtDeviceTree(opts), { bootCpuId: 0 });
}
