import { PLIC_NDEV, TIMEBASE_HZ, VIRT_MEMMAP } from '../machine/address-map';
import { RISCV_ISA } from '../machine/dtb';
import { FdtNode, fdtValue, serializeFdt } from '../machine/fdt';
import { PV_SBI_EXT } from './abi/hypercall';
import { EVTCHN_UPCALL_IRQ, GRANT_MAP_WINDOW_BASE, GRANT_MAP_WINDOW_SIZE } from './abi/platform';
import type { DtbDevice, DomainType } from './domain-config';

/**
 * The device tree a guest boots with: its vCPUs, its RAM, the in-VMM PLIC, the
 * devices its config gives it (served by the VM server's ioreq servers) and a
 * /hypervisor node naming the PV interface. Bindings as QEMU virt's (see
 * ../machine/dtb.ts); the CLINT is not described: it is the firmware's (the
 * VMM's), and the guest reaches the timer through SBI.
 */

const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

export interface GuestDtbOptions {
  type: DomainType;
  vcpus: number;
  ramBase: number;
  ramSize: number;
  bootargs?: string;
  stdoutPath?: string;
  /** Guest-physical [start, end) of the initial ramdisk, if any. */
  initrd?: { start: number; end: number };
  devices: readonly DtbDevice[];
  /** PV: guest-physical address of start_info. */
  startInfo?: number;
  sharedInfo: number;
  /** Guest-physical region the guest must not use as RAM (the VMM's pages). */
  reserved: { address: number; size: number };
}

export function buildGuestDtb(o: GuestDtbOptions): Uint8Array {
  let phandle = 1;
  const root = new FdtNode('');
  root
    .setU32('#address-cells', 2)
    .setU32('#size-cells', 2)
    .setString('compatible', 'riscv-virtio')
    .setString('model', `tabvisor,${o.type}`);

  const chosen = root.addChild('chosen');
  if (o.bootargs !== undefined) chosen.setString('bootargs', o.bootargs);
  if (o.stdoutPath !== undefined) chosen.setString('stdout-path', o.stdoutPath);
  if (o.initrd !== undefined) {
    // Linux's binding (Documentation/devicetree/bindings/chosen.txt): end is exclusive.
    // u64 cells as QEMU's riscv_load_initrd writes them; Linux reads either width.
    chosen
      .set('linux,initrd-start', fdtValue.u64(o.initrd.start))
      .set('linux,initrd-end', fdtValue.u64(o.initrd.end));
  }

  root
    .addChild(`memory@${o.ramBase.toString(16)}`)
    .setString('device_type', 'memory')
    .set('reg', fdtValue.u64(o.ramBase, o.ramSize));

  const cpus = root
    .addChild('cpus')
    .setU32('#address-cells', 1)
    .setU32('#size-cells', 0)
    .setU32('timebase-frequency', TIMEBASE_HZ);
  const intc: number[] = [];
  for (let i = 0; i < o.vcpus; i++) {
    const cpu = cpus
      .addChild(`cpu@${i}`)
      .setU32('phandle', phandle++)
      .setString('device_type', 'cpu')
      .setU32('reg', i)
      .setString('status', 'okay')
      .setString('compatible', 'riscv')
      .setString('riscv,isa', RISCV_ISA)
      .setString('mmu-type', 'riscv,sv32');
    const h = phandle++;
    intc.push(h);
    cpu
      .addChild('interrupt-controller')
      .setU32('#interrupt-cells', 1)
      .setEmpty('interrupt-controller')
      .setString('compatible', 'riscv,cpu-intc')
      .setU32('phandle', h);
  }

  const soc = root
    .addChild('soc')
    .setU32('#address-cells', 2)
    .setU32('#size-cells', 2)
    .setString('compatible', 'simple-bus')
    .setEmpty('ranges');
  const plic = phandle;
  const m = VIRT_MEMMAP.plic;
  soc
    .addChild(`plic@${m.base.toString(16)}`)
    .setU32('phandle', plic)
    .setU32('riscv,ndev', PLIC_NDEV)
    .set('reg', fdtValue.u64(m.base, m.size))
    // Context 2i = hart i M-mode (unused by guests), 2i+1 = hart i S-mode, as QEMU virt.
    .setU32('interrupts-extended', ...intc.flatMap((h) => [h, IRQ_M_EXT, h, IRQ_S_EXT]))
    .setEmpty('interrupt-controller')
    .setStrings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .setU32('#address-cells', 0)
    .setU32('#interrupt-cells', 1);

  for (const d of o.devices) {
    const node = soc
      .addChild(`${d.name}@${d.base.toString(16)}`)
      .set('reg', fdtValue.u64(d.base, d.size))
      .setStrings('compatible', d.compatible);
    if (d.irq !== undefined) node.setU32('interrupts', d.irq).setU32('interrupt-parent', plic);
    for (const [k, v] of Object.entries(d.props ?? {})) {
      if (typeof v === 'number') node.setU32(k, v);
      else if (typeof v === 'string') node.setString(k, v);
      else if (v instanceof Uint8Array) node.set(k, v.slice());
      else if (v.every((x): x is number => typeof x === 'number')) node.setU32(k, ...v);
      else node.setStrings(k, v as string[]);
    }
  }

  const hyp = root
    .addChild('hypervisor')
    .setStrings('compatible', ['tabvisor,pv-1', 'xen,xen'])
    .setU32('tabvisor,sbi-extension', PV_SBI_EXT)
    .set('tabvisor,shared-info', fdtValue.u64(o.sharedInfo))
    .set('tabvisor,grant-window', fdtValue.u64(GRANT_MAP_WINDOW_BASE, GRANT_MAP_WINDOW_SIZE))
    .setU32('interrupts', EVTCHN_UPCALL_IRQ)
    .setU32('interrupt-parent', plic);
  if (o.startInfo !== undefined) hyp.set('tabvisor,start-info', fdtValue.u64(o.startInfo));

  return serializeFdt(root, { bootCpuId: 0, reservations: [o.reserved] });
}
