import { GUEST_IMAGE_DIR } from './guest-images.ts';
import { writeText, type FileStore } from './file-store.ts';

/**
 * A fresh install: the VM server's tree starts with ready-to-run definitions
 * of three Sprout guests (the project's guest OS), one of each mode and a
 * second HVM one, all set to autostart, so the first boot shows a VM server
 * running three VMs. SUSE keeps such first-start definitions in
 * /etc/xen/vm/NAME (REFERENCES.md); the syntax is xl.cfg(5).
 */
export const VM_CONFIG_DIR = '/etc/xen/vm';
export const SPROUT_IMAGE = `${GUEST_IMAGE_DIR}/sprout.elf`;

const hvm = (name: string, memory: number, comment: string): string => `# ${name}: ${comment}
# Fully virtualized (HVM): Sprout drives emulated PC devices through the
# ISA I/O window — the 16550 UART on COM1 (its console), VGA, the PS/2
# keyboard, the RTC, an IDE disk and an NE2000 NIC. See xl.cfg(5) for every key.
name = "${name}"
type = "hvm"
memory = ${memory}
vcpus = 1
kernel = "${SPROUT_IMAGE}"
cmdline = "console=ttyS0"
vga = "stdvga"
serial = [ "pty" ]
# Its 20 GiB disk is the host disk's partition of the same name (IDE primary master).
disk = [ "format=raw, vdev=hda, access=rw, target=/dev/vg0/${name}" ]
# Its NIC is an emulated NE2000 on the bridge xenbr0; Domain-0 (10.0.0.1)
# gives it an address by DHCP. Add "ip=10.0.0.N" or "mac=00:16:3e:…" to fix them.
vif = [ "bridge=xenbr0, model=ne2k_isa" ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
autostart = 1
`;

const pv = (name: string, memory: number): string => `# ${name}: Sprout paravirtualized (PV)
# No emulated devices: the console, xenstore, the disk (blkback on the host
# disk's partition of the same name) and the network (netfront ↔ netback on
# the bridge xenbr0) go over shared rings and event channels to the VM
# server's back ends.
name = "${name}"
type = "pv"
memory = ${memory}
vcpus = 1
kernel = "${SPROUT_IMAGE}"
extra = "console=hvc0"
disk = [ "phy:/dev/vg0/${name},xvda,w" ]
vif = [ "bridge=xenbr0" ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
autostart = 1
`;

export const SEED_FILES: Readonly<Record<string, string>> = {
  [`${VM_CONFIG_DIR}/sprout-hvm`]: hvm('sprout-hvm', 32, 'Sprout, fully virtualized'),
  [`${VM_CONFIG_DIR}/sprout-pv`]: pv('sprout-pv', 32),
  [`${VM_CONFIG_DIR}/sprout-hvm2`]: hvm('sprout-hvm2', 32, 'a second Sprout HVM guest'),
};

/**
 * Seeds a tree that has never been set up (no /etc/xen/vm). Returns the files
 * written; an installed tree — even one whose definitions were all deleted —
 * is left alone.
 */
export async function seedFreshInstall(store: FileStore): Promise<string[]> {
  if ((await store.stat(VM_CONFIG_DIR)) !== null) return [];
  await store.mkdir(VM_CONFIG_DIR, { parents: true });
  for (const [path, text] of Object.entries(SEED_FILES)) await writeText(store, path, text);
  return Object.keys(SEED_FILES);
}
