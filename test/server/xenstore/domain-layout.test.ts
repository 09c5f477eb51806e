import { describe, expect, it } from 'vitest';
import {
  removeDeviceLayout,
  removeDomainLayout,
  writeDeviceLayout,
  writeDom0Layout,
  writeDomainLayout,
  type DomainLayout,
} from '../../../src/server/xenstore/domain-layout.ts';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state.ts';
import { XenStore } from '../../../src/server/xenstore/xenstore.ts';
import { XsError, type XsErrno } from '../../../src/server/xenstore/xs-error.ts';
import { formatPermission } from '../../../src/server/xenstore/xs-permissions.ts';

function code(fn: () => unknown): XsErrno | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof XsError) return e.code;
    throw e;
  }
}

const GUEST: DomainLayout = {
  domid: 3,
  name: 'sprout-pv',
  uuid: '6f1c2a9e-0b7d-4c55-9a43-2f0e8d1b7c10',
  type: 'pv',
  memoryKiB: 65536,
  maxMemoryKiB: 98304,
  vcpus: 1,
  maxVcpus: 2,
  store: { port: 1, ringRef: 0x80fff },
  console: { port: 2, ringRef: 0x80ffe },
};

function setup() {
  const store = new XenStore();
  const dom0 = store.connect(0);
  writeDom0Layout(dom0, { memoryKiB: 262144, vcpus: 1 });
  writeDomainLayout(dom0, GUEST);
  return { store, dom0, guest: store.connect(3) };
}

const permsOf = (xs: ReturnType<XenStore['connect']>, p: string): string =>
  xs.getPermissions(p).map(formatPermission).join(',');

describe('toolstack xenstore layout (libxl)', () => {
  it("writes dom0's name and backend directory", () => {
    const { dom0 } = setup();
    expect(dom0.readString('/local/domain/0/name')).toBe('Domain-0');
    expect(dom0.readString('/local/domain/0/memory/target')).toBe('262144');
    expect(dom0.directory('/local/domain/0')).toContain('backend');
  });

  it('writes the standard nodes of a new domain', () => {
    const { dom0 } = setup();
    const d = '/local/domain/3';
    expect(dom0.readString(`${d}/name`)).toBe('sprout-pv');
    expect(dom0.readString(`${d}/domid`)).toBe('3');
    expect(dom0.readString(`${d}/vm`)).toBe(`/vm/${GUEST.uuid}`);
    expect(dom0.readString(`/vm/${GUEST.uuid}/name`)).toBe('sprout-pv');
    expect(dom0.readString(`${d}/memory/target`)).toBe('65536');
    expect(dom0.readString(`${d}/memory/static-max`)).toBe('98304');
    expect(dom0.readString(`${d}/cpu/0/availability`)).toBe('online');
    expect(dom0.readString(`${d}/cpu/1/availability`)).toBe('offline');
    expect(dom0.readString(`${d}/store/ring-ref`)).toBe(String(0x80fff));
    expect(dom0.readString(`${d}/console/port`)).toBe('2');
    expect(dom0.readString(`${d}/control/shutdown`)).toBe('');
  });

  it('takes HVM video memory off memory/target, as libxl does', () => {
    const store = new XenStore();
    const dom0 = store.connect(0);
    writeDomainLayout(dom0, { ...GUEST, domid: 4, type: 'hvm', videoramKiB: 8192 });
    expect(dom0.readString('/local/domain/4/memory/target')).toBe(String(65536 - 8192));
    expect(dom0.exists('/local/domain/4/hvmloader')).toBe(true);
  });

  it("sets libxl's permissions: roperm on the home, rwperm on guest-writable nodes", () => {
    const { dom0 } = setup();
    expect(permsOf(dom0, '/local/domain/3')).toBe('n0,r3');
    expect(permsOf(dom0, '/local/domain/3/name')).toBe('n0,r3');
    expect(permsOf(dom0, '/local/domain/3/control/shutdown')).toBe('n3');
    expect(permsOf(dom0, '/local/domain/3/data')).toBe('n3');
  });

  it('lets the guest read its home and write only where the toolstack allowed', () => {
    const { guest } = setup();
    expect(guest.readString('name')).toBe('sprout-pv');
    expect(guest.readString('memory/target')).toBe('65536');
    expect(code(() => guest.write('memory/target', '1'))).toBe('EACCES');
    expect(code(() => guest.write('name', 'pwned'))).toBe('EACCES');
    expect(code(() => guest.write('control/shutdown', ''))).toBe('ok');
    expect(code(() => guest.write('control/feature-poweroff', '1'))).toBe('ok');
    expect(code(() => guest.write('data/ip', '10.0.0.3'))).toBe('ok');
    expect(code(() => guest.read('/local/domain/0/name'))).toBe('EACCES');
  });

  it('refuses to lay out a domain twice', () => {
    const { dom0 } = setup();
    expect(code(() => writeDomainLayout(dom0, GUEST))).toBe('EEXIST');
  });

  describe('split devices', () => {
    it('creates linked frontend and backend nodes in state Initialising', () => {
      const { dom0 } = setup();
      const { frontend, backend } = writeDeviceLayout(dom0, {
        kind: 'vbd',
        domid: 3,
        devid: 51712,
        frontend: { 'virtual-device': '51712', 'device-type': 'disk' },
        backend: { params: '/dev/xvg/sprout-pv', mode: 'w' },
      });
      expect(frontend).toBe('/local/domain/3/device/vbd/51712');
      expect(backend).toBe('/local/domain/0/backend/vbd/3/51712');
      expect(dom0.readString(`${frontend}/backend`)).toBe(backend);
      expect(dom0.readString(`${frontend}/backend-id`)).toBe('0');
      expect(dom0.readString(`${backend}/frontend`)).toBe(frontend);
      expect(dom0.readString(`${backend}/frontend-id`)).toBe('3');
      expect(dom0.readString(`${frontend}/state`)).toBe(String(XenbusState.Initialising));
      expect(dom0.readString(`${backend}/state`)).toBe(String(XenbusState.Initialising));
      expect(dom0.readString(`${backend}/params`)).toBe('/dev/xvg/sprout-pv');
      expect(permsOf(dom0, frontend)).toBe('n3,r0');
      expect(permsOf(dom0, backend)).toBe('n0,r3');
    });

    it('lets the guest run its half of the XenbusState handshake, and only its half', () => {
      const { dom0, guest } = setup();
      const { backend } = writeDeviceLayout(dom0, { kind: 'vif', domid: 3, devid: 0 });
      const seen: string[] = [];
      dom0.watch('/local/domain/3/device/vif/0/state', 'fe', (p) => seen.push(dom0.readString(p)));
      // The frontend publishes its ring and event channel, then Initialised.
      guest.transaction((tx) => {
        guest.write('device/vif/0/tx-ring-ref', '8', tx);
        guest.write('device/vif/0/rx-ring-ref', '9', tx);
        guest.write('device/vif/0/event-channel', '5', tx);
        guest.write('device/vif/0/state', String(XenbusState.Initialised), tx);
      });
      expect(seen).toEqual(['1', '3']);
      expect(dom0.readString('/local/domain/3/device/vif/0/tx-ring-ref')).toBe('8');
      // It reads the backend's state but cannot forge it.
      dom0.write(`${backend}/state`, String(XenbusState.Connected));
      expect(guest.readString(`${backend}/state`)).toBe('4');
      expect(code(() => guest.write(`${backend}/state`, '6'))).toBe('EACCES');
      expect(code(() => guest.write('/local/domain/0/backend/vif/3/1/state', '1'))).toBe('EACCES');
    });

    it("keeps one guest away from another guest's devices", () => {
      const { store, dom0 } = setup();
      writeDomainLayout(dom0, { ...GUEST, domid: 4, uuid: '00000000-0000-4000-8000-000000000004' });
      writeDeviceLayout(dom0, { kind: 'vbd', domid: 4, devid: 51712 });
      const other = store.connect(3);
      expect(code(() => other.read('/local/domain/4/device/vbd/51712/state'))).toBe('EACCES');
      expect(code(() => other.read('/local/domain/0/backend/vbd/4/51712/state'))).toBe('EACCES');
      expect(code(() => other.write('/local/domain/4/device/vbd/51712/state', '6'))).toBe('EACCES');
    });

    it('removes both halves', () => {
      const { dom0 } = setup();
      writeDeviceLayout(dom0, { kind: 'vbd', domid: 3, devid: 768 });
      removeDeviceLayout(dom0, 'vbd', 3, 768);
      expect(dom0.exists('/local/domain/3/device/vbd/768')).toBe(false);
      expect(dom0.exists('/local/domain/0/backend/vbd/3/768')).toBe(false);
      removeDeviceLayout(dom0, 'vbd', 3, 768); // twice is harmless
    });
  });

  it('removes a domain: its home, its /vm entry and its backends', () => {
    const { store, dom0 } = setup();
    writeDeviceLayout(dom0, { kind: 'vbd', domid: 3, devid: 51712 });
    writeDeviceLayout(dom0, { kind: 'console', domid: 3, devid: 0 });
    const before = store.size;
    removeDomainLayout(dom0, 3);
    expect(dom0.exists('/local/domain/3')).toBe(false);
    expect(dom0.exists(`/vm/${GUEST.uuid}`)).toBe(false);
    expect(dom0.exists('/local/domain/0/backend/vbd/3')).toBe(false);
    expect(dom0.exists('/local/domain/0/backend/console/3')).toBe(false);
    expect(dom0.exists('/local/domain/0/backend/vbd')).toBe(true);
    expect(store.size).toBeLessThan(before);
    expect(store.nodeCount(3)).toBe(0);
  });
});
