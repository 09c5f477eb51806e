/**
 * The xenstore nodes a toolstack creates for a domain and its split
 * devices, with the permissions libxl gives them (libxl_create.c
 * libxl__domain_make and libxl__build_post, libxl_device.c):
 *
 *   /local/domain/D            owner dom0, D may read ("roperm": n0 rD)
 *     vm, name, domid, memory/{static-max,target,videoram}, cpu/N/availability,
 *     store/{port,ring-ref}, console/{port,ring-ref,type}, device/, control/
 *     control/shutdown, control/feature-*, data, drivers, feature, attr, error
 *                              owned by D ("rwperm": nD)
 *   /vm/UUID/{uuid,name}        roperm
 *   frontend /local/domain/D/device/KIND/DEVID            nD r<backend>
 *   backend  /local/domain/B/backend/KIND/D/DEVID         nB rD
 *
 * Every function works in one transaction, retried on EAGAIN, on a
 * privileged (dom0) connection.
 */
import type { XsConnection } from './xenstore.ts';
import { XenbusState } from '../../vmm/abi/xenbus-state.ts';
import { XsError } from './xs-error.ts';
import { domainPath } from './xs-path.ts';
import type { XsPermission } from './xs-permissions.ts';

export interface DomainLayout {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  readonly type: 'hvm' | 'pv' | 'pvh';
  /** Initial memory (balloon target before video memory is taken off), KiB. */
  readonly memoryKiB: number;
  readonly maxMemoryKiB: number;
  /** HVM video memory, KiB; libxl subtracts it from memory/target. */
  readonly videoramKiB?: number;
  readonly vcpus: number;
  readonly maxVcpus?: number;
  /** Event channel port and page frame of the xenstore ring (PV). */
  readonly store?: { readonly port: number; readonly ringRef: number };
  /** Event channel port and page frame of the PV console ring. */
  readonly console?: { readonly port: number; readonly ringRef: number };
}

export interface DeviceLayout {
  /** vbd, vif, console, vkbd, vfb… */
  readonly kind: string;
  readonly domid: number;
  readonly devid: number;
  readonly backendDomid?: number;
  /** Extra frontend keys, e.g. virtual-device, device-type, mac. */
  readonly frontend?: Readonly<Record<string, string>>;
  /** Extra backend keys, e.g. params, mode, type, bridge, mac. */
  readonly backend?: Readonly<Record<string, string>>;
}

const roperm = (domid: number): XsPermission[] => [
  { domid: 0, access: 'n' },
  { domid, access: 'r' },
];
const rwperm = (domid: number): XsPermission[] => [{ domid, access: 'n' }];

/** libxl__xs_mknod: an empty node with the given permissions. */
function mknod(xs: XsConnection, path: string, perms: XsPermission[], tx: number): void {
  xs.write(path, '', tx);
  xs.setPermissions(path, perms, tx);
}

export function frontendPath(domid: number, kind: string, devid: number): string {
  return `${domainPath(domid)}/device/${kind}/${devid}`;
}

export function backendPath(
  backendDomid: number,
  kind: string,
  domid: number,
  devid: number,
): string {
  return `${domainPath(backendDomid)}/backend/${kind}/${domid}/${devid}`;
}

/** Dom0's own entries, as xen-init-dom0 writes them. */
export function writeDom0Layout(
  xs: XsConnection,
  info: { readonly memoryKiB?: number; readonly vcpus?: number } = {},
): void {
  xs.transaction((tx) => {
    const d = domainPath(0);
    xs.write(`${d}/name`, 'Domain-0', tx);
    xs.write(`${d}/domid`, '0', tx);
    xs.mkdir(`${d}/backend`, tx);
    xs.mkdir(`${d}/device`, tx);
    if (info.memoryKiB !== undefined) {
      xs.write(`${d}/memory/target`, String(info.memoryKiB), tx);
      xs.write(`${d}/memory/static-max`, String(info.memoryKiB), tx);
    }
    for (let i = 0; i < (info.vcpus ?? 0); i++)
      xs.write(`${d}/cpu/${i}/availability`, 'online', tx);
  });
}

/** Creates a new domain's subtree. The caller then introduces the domain to the store. */
export function writeDomainLayout(xs: XsConnection, d: DomainLayout): void {
  const dom = domainPath(d.domid);
  const vm = `/vm/${d.uuid}`;
  const ro = roperm(d.domid);
  const rw = rwperm(d.domid);
  xs.transaction((tx) => {
    if (xs.exists(dom, tx)) throw new XsError('EEXIST', `${dom} already exists`);
    mknod(xs, dom, ro, tx);
    mknod(xs, vm, ro, tx);
    xs.write(`${dom}/vm`, vm, tx);
    xs.write(`${dom}/name`, d.name, tx);
    xs.write(`${vm}/uuid`, d.uuid, tx);
    xs.write(`${vm}/name`, d.name, tx);
    xs.write(`${dom}/control/platform-feature-multiprocessor-suspend`, '1', tx);
    xs.write(`${dom}/control/platform-feature-xs_reset_watches`, '1', tx);
    mknod(xs, `${dom}/device`, ro, tx);
    mknod(xs, `${dom}/control`, ro, tx);
    if (d.type === 'hvm') mknod(xs, `${dom}/hvmloader`, ro, tx);
    mknod(xs, `${dom}/control/shutdown`, rw, tx);
    for (const f of ['feature-poweroff', 'feature-reboot', 'feature-suspend', 'sysrq']) {
      mknod(xs, `${dom}/control/${f}`, rw, tx);
    }
    if (d.type === 'hvm') {
      mknod(xs, `${dom}/control/feature-s3`, rw, tx);
      mknod(xs, `${dom}/control/feature-s4`, rw, tx);
    }
    mknod(xs, `${dom}/device/suspend/event-channel`, rw, tx);
    for (const n of ['data', 'drivers', 'feature', 'attr', 'error'])
      mknod(xs, `${dom}/${n}`, rw, tx);

    // libxl__build_post.
    const video = d.videoramKiB ?? 0;
    xs.write(`${dom}/memory/static-max`, String(d.maxMemoryKiB), tx);
    xs.write(`${dom}/memory/target`, String(d.memoryKiB - video), tx);
    xs.write(`${dom}/memory/videoram`, String(video), tx);
    xs.write(`${dom}/domid`, String(d.domid), tx);
    const max = d.maxVcpus ?? d.vcpus;
    for (let i = 0; i < max; i++) {
      xs.write(`${dom}/cpu/${i}/availability`, i < d.vcpus ? 'online' : 'offline', tx);
    }
    if (d.store) {
      xs.write(`${dom}/store/port`, String(d.store.port), tx);
      xs.write(`${dom}/store/ring-ref`, String(d.store.ringRef), tx);
    }
    if (d.console) {
      xs.write(`${dom}/console/port`, String(d.console.port), tx);
      xs.write(`${dom}/console/ring-ref`, String(d.console.ringRef), tx);
      xs.write(`${dom}/console/type`, 'xenconsoled', tx);
      xs.write(`${dom}/console/output`, 'pty', tx);
    }
  });
}

/**
 * Publishes a split device: both halves in state Initialising (1), each
 * pointing at the other, permissions so that each side reads the other
 * and only the frontend's domain writes the frontend.
 */
export function writeDeviceLayout(
  xs: XsConnection,
  dev: DeviceLayout,
): { readonly frontend: string; readonly backend: string } {
  const backendDomid = dev.backendDomid ?? 0;
  const fe = frontendPath(dev.domid, dev.kind, dev.devid);
  const be = backendPath(backendDomid, dev.kind, dev.domid, dev.devid);
  const initialising = String(XenbusState.Initialising);
  xs.transaction((tx) => {
    // A stale device of the same number goes first.
    if (xs.exists(fe, tx)) xs.rm(fe, tx);
    if (xs.exists(be, tx)) xs.rm(be, tx);
    mknod(
      xs,
      fe,
      [
        { domid: dev.domid, access: 'n' },
        { domid: backendDomid, access: 'r' },
      ],
      tx,
    );
    mknod(
      xs,
      be,
      [
        { domid: backendDomid, access: 'n' },
        { domid: dev.domid, access: 'r' },
      ],
      tx,
    );
    xs.write(`${fe}/backend`, be, tx);
    xs.write(`${fe}/backend-id`, String(backendDomid), tx);
    xs.write(`${fe}/state`, initialising, tx);
    for (const [k, v] of Object.entries(dev.frontend ?? {})) xs.write(`${fe}/${k}`, v, tx);
    xs.write(`${be}/frontend`, fe, tx);
    xs.write(`${be}/frontend-id`, String(dev.domid), tx);
    xs.write(`${be}/online`, '1', tx);
    xs.write(`${be}/state`, initialising, tx);
    for (const [k, v] of Object.entries(dev.backend ?? {})) xs.write(`${be}/${k}`, v, tx);
  });
  return { frontend: fe, backend: be };
}

/** Removes both halves of a device. */
export function removeDeviceLayout(
  xs: XsConnection,
  kind: string,
  domid: number,
  devid: number,
  backendDomid = 0,
): void {
  xs.transaction((tx) => {
    for (const p of [
      frontendPath(domid, kind, devid),
      backendPath(backendDomid, kind, domid, devid),
    ]) {
      if (xs.exists(p, tx)) xs.rm(p, tx);
    }
  });
}

/**
 * Removes everything the toolstack wrote for a domain: its subtree, its
 * /vm entry and its backend directories in dom0.
 */
export function removeDomainLayout(xs: XsConnection, domid: number): void {
  const dom = domainPath(domid);
  xs.transaction((tx) => {
    const vm = xs.tryReadString(`${dom}/vm`, tx);
    if (vm !== undefined && vm.startsWith('/vm/')) xs.rm(vm, tx);
    xs.rm(dom, tx);
    const backends = `${domainPath(0)}/backend`;
    if (xs.exists(backends, tx)) {
      for (const kind of xs.directory(backends, tx)) xs.rm(`${backends}/${kind}/${domid}`, tx);
    }
  });
}
