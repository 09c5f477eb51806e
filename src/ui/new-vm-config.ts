/**
 * The configuration file the create form writes for a new VM: xl.cfg(5)
 * syntax with the keys the seeded Sprout definitions use, so a student sees
 * the same shape in every file under /etc/xen/vm.
 */

export interface NewVm {
  readonly name: string;
  readonly type: 'hvm' | 'pv';
  readonly memory: number;
  readonly vcpus: number;
  readonly weight: number;
  /** GiB; 0 for no disk. */
  readonly diskGiB: number;
  readonly kernel: string;
  readonly autostart: boolean;
  /** A NIC on the bridge xenbr0 (an NE2000 for HVM, netfront for PV); absent means yes. */
  readonly network?: boolean;
  /** `phy:` target of the disk, once storage has made a partition for it. */
  readonly diskTarget?: string;
}

export const GUEST_IMAGE_DIR = '/usr/lib/tabvisor/guests';
export const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The configuration file for a new VM (xl.cfg(5) syntax; the keys the seed's definitions use). */
export function configText(vm: NewVm): string {
  const lines = [
    `# ${vm.name}: created with the Tabvisor desktop`,
    vm.type === 'hvm'
      ? '# Fully virtualized (HVM): unmodified drivers for emulated PC devices.'
      : '# Paravirtualized (PV): front-end drivers talk to the VM server over shared rings.',
    `name = "${vm.name}"`,
    `type = "${vm.type}"`,
    `memory = ${vm.memory}`,
    `vcpus = ${vm.vcpus}`,
    `cpu_weight = ${vm.weight}`,
    `kernel = "${vm.kernel}"`,
  ];
  if (vm.type === 'hvm') {
    lines.push('cmdline = "console=ttyS0"', 'vga = "stdvga"', 'serial = [ "pty" ]');
  } else {
    lines.push('extra = "console=hvc0"');
  }
  if (vm.diskTarget) {
    lines.push(
      vm.type === 'hvm'
        ? `disk = [ "format=raw, vdev=hda, access=rw, target=${vm.diskTarget}" ]`
        : `disk = [ "phy:${vm.diskTarget},xvda,w" ]`,
    );
  } else if (vm.diskGiB > 0) {
    lines.push(
      `# disk: ${vm.diskGiB} GiB requested; add its line once the host disk has a partition for it`,
    );
  }
  if (vm.network ?? true) {
    lines.push(
      vm.type === 'hvm' ? 'vif = [ "bridge=xenbr0, model=ne2k_isa" ]' : 'vif = [ "bridge=xenbr0" ]',
    );
  }
  lines.push('on_poweroff = "destroy"', 'on_reboot = "restart"', 'on_crash = "preserve"');
  lines.push(`autostart = ${vm.autostart ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}
