import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISA_MEMORY_BASE, VGA_LFB_BASE } from '../../src/vmm/abi/platform';
import { PAGE_SIZE } from '../../src/vmm/abi/hypercall';
import type { DtbDevice } from '../../src/vmm/domain-config';
import { Vmm } from '../../src/vmm/vmm';
import { Com1 } from '../../src/server/device-models/com1';
import { isaDtbDevice, isaIrqToPlic } from '../../src/server/device-models/isa-port-map';
import { Mc146818Rtc } from '../../src/server/device-models/mc146818-rtc';
import { Ps2Keyboard } from '../../src/server/device-models/ps2-keyboard';
import { Vga } from '../../src/server/device-models/vga';
import { Dom0Events } from '../../src/server/toolstack/dom0-events';
import { XenconsBackend } from '../../src/server/toolstack/xencons-backend';
import {
  writeDeviceLayout,
  writeDom0Layout,
  writeDomainLayout,
} from '../../src/server/xenstore/domain-layout';
import { XenStore } from '../../src/server/xenstore/xenstore';
import { XenstoreRingServer } from '../../src/server/xenstore/xs-ring';
import { IdeController } from '../../src/server/device-models/ide';
import { Blkback } from '../../src/server/backends/blkback';
import { GuestDisk } from '../../src/server/storage/guest-disk';
import { DiskIoMonitor } from '../../src/server/storage/io-trace';
import type { SectorDevice } from '../../src/server/storage/sector-device';
import { AtaDiskModel, type SectorStore } from './ata-disk-model';
import { BlkbackModel } from './blkback-model';

/**
 * Boots Sprout (guest/) on the VMM the way the VM server's toolstack will:
 * HVM with the device models of src/server/device-models registered as
 * ioreq servers and described in the DTB, PV with xenstore and the console
 * back end attached to the guest's rings. The disk is the test ATA model
 * (HVM) or the test blkback (PV) over a raw image in memory, shared by
 * reference so a test can look at it (or boot the other mode on it).
 */

export const GUEST_DIR = join(import.meta.dirname, '..', '..', 'guest');

let built = false;
/** guest/build/sprout.elf, built with guest/Makefile. */
export function sproutImage(): Uint8Array {
  if (!built) {
    execFileSync('make', ['-s', '-C', GUEST_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  return new Uint8Array(readFileSync(join(GUEST_DIR, 'build', 'sprout.elf')));
}

export interface BootOptions {
  mode: 'hvm' | 'pv';
  memoryMiB?: number;
  /** A raw disk image (whole sectors); none if absent. */
  disk?: Uint8Array;
  /** HVM with the test ATA model only: a sparse disk instead of an image. */
  sparseDisk?: SectorStore;
  cmdline?: string;
  /** The wall-clock time at host time 0 (epoch ms): the RTC's (HVM) and the VMM's epoch for shared_info (PV). */
  clockMs?: number;
  name?: string;
  /**
   * Whose disk back ends: this directory's small synchronous test models
   * (default), or the VM server's own IDE model and blkback over a
   * GuestDisk, which complete asynchronously (use the *Async methods).
   */
  backends?: 'test' | 'server';
}

/** A raw image in memory as the storage layer's SectorDevice (completing in a microtask). */
class ImageDevice implements SectorDevice {
  readonly sectors: number;
  constructor(private readonly image: Uint8Array) {
    this.sectors = image.length / 512;
  }
  read(lba: number, count: number): Promise<Uint8Array> {
    return Promise.resolve(this.image.slice(lba * 512, (lba + count) * 512));
  }
  write(lba: number, data: Uint8Array): Promise<void> {
    this.image.set(data, lba * 512);
    return Promise.resolve();
  }
  writeZeroes(lba: number, count: number): Promise<void> {
    this.image.fill(0, lba * 512, (lba + count) * 512);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*[A-Za-z]`, 'g');
export const stripAnsi = (s: string): string => s.replace(ANSI, '').replace(/\r/g, '');
const PROMPT = /sprout:[^\n]*\$ $/;

export class SproutGuest {
  readonly vmm: Vmm;
  readonly domid: number;
  readonly mode: 'hvm' | 'pv';
  private out: number[] = [];
  private decoded = '';
  // HVM
  com1?: Com1;
  keyboard?: Ps2Keyboard;
  vga?: Vga;
  rtc?: Mc146818Rtc;
  ata?: AtaDiskModel;
  ide?: IdeController;
  serverBlkback?: Blkback;
  readonly monitor = new DiskIoMonitor();
  // PV
  xenstore?: XenStore;
  xencons?: XenconsBackend;
  blkback?: BlkbackModel;
  events?: Dom0Events;

  constructor(opts: BootOptions) {
    this.mode = opts.mode;
    const clock0 = opts.clockMs ?? Date.UTC(2024, 4, 17, 12, 34, 56);
    this.vmm = new Vmm({ hostMemoryMiB: 256, epochMs: clock0 });
    const name = opts.name ?? `sprout-${opts.mode}`;
    const memory = opts.memoryMiB ?? 32;
    const kernel = sproutImage();
    let domid = -1;
    const irq = (isa: number) => (level: boolean) => {
      if (domid > 0) this.vmm.setIrqLevel(domid, isaIrqToPlic(isa), level);
    };
    if (opts.mode === 'hvm') {
      this.com1 = new Com1({ onTransmit: (b) => this.out.push(b), irq: irq(4) });
      this.keyboard = new Ps2Keyboard({ irq: irq(1) });
      this.rtc = new Mc146818Rtc({ clock: () => clock0 + this.vmm.now() / 1e6, irq: irq(8) });
      this.vga = new Vga({
        textBase: ISA_MEMORY_BASE + 0xb8000,
        lfbBase: VGA_LFB_BASE,
        vramSize: 4 << 20,
        now: () => 0,
      });
      const devices: DtbDevice[] = [
        isaDtbDevice('com1'),
        isaDtbDevice('ps2'),
        isaDtbDevice('rtc'),
        isaDtbDevice('vga', {
          isaMemoryBase: ISA_MEMORY_BASE,
          props: { 'tabvisor,framebuffer': [VGA_LFB_BASE, this.vga.vramSize] },
        }),
      ];
      if (opts.disk || opts.sparseDisk) devices.push(isaDtbDevice('ide0'));
      const ataDisk = opts.sparseDisk ?? opts.disk;
      if (ataDisk && opts.backends !== 'server') this.ata = new AtaDiskModel(ataDisk, irq(14));
      domid = this.vmm.createDomain(
        {
          name,
          type: 'hvm',
          memory,
          kernel,
          cmdline: opts.cmdline ?? 'console=ttyS0',
          devices,
          stdoutPath: '/soc/serial@30003f8',
        },
        { paused: true },
      );
      const specs = [
        ...this.com1.ioreqSpecs(),
        ...this.keyboard.ioreqSpecs(),
        ...this.rtc.ioreqSpecs(),
        ...this.vga.ioreqSpecs(),
      ];
      if (this.ata) specs.push({ name: 'ide0', ranges: this.ata.ranges, handler: this.ata });
      if (opts.disk && opts.backends === 'server') {
        const disk = this.guestDisk(domid, opts.disk, 'hda', 768, 'hvm');
        this.ide = new IdeController({ master: disk, setIrq: irq(14) });
        specs.push(...this.ide.ioreqSpecs());
      }
      for (const s of specs) this.vmm.registerIoreqServer(domid, s);
    } else {
      domid = this.vmm.createDomain(
        { name, type: 'pv', memory, kernel, cmdline: opts.cmdline ?? 'console=hvc0' },
        { paused: true },
      );
      this.setupPv(domid, name, memory, opts.disk, opts.backends ?? 'test');
    }
    this.domid = domid;
    // The hypervisor console (SBI DBCN, console_io): panics before a console exists land here.
    this.vmm.onConsoleOutput(domid, (bytes) => this.out.push(...bytes));
    this.vmm.unpause(domid);
  }

  private guestDisk(
    domid: number,
    image: Uint8Array,
    vdev: string,
    devid: number,
    path: 'hvm' | 'pv',
  ): GuestDisk {
    const dev = new ImageDevice(image);
    return new GuestDisk(
      dev,
      0,
      dev.sectors,
      { domid, vdev, devid, path, readonly: false },
      this.monitor,
      'test-image',
    );
  }

  private setupPv(
    domid: number,
    name: string,
    memory: number,
    disk: Uint8Array | undefined,
    backends: 'test' | 'server',
  ): void {
    const vmm = this.vmm;
    const xenstore = (this.xenstore = new XenStore());
    const xs0 = xenstore.connect(0);
    writeDom0Layout(xs0, { memoryKiB: 65536, vcpus: 1 });
    const boot = vmm.bootInfo(domid);
    writeDomainLayout(xs0, {
      domid,
      name,
      uuid: vmm.domainInfo(domid).uuid,
      type: 'pv',
      memoryKiB: memory * 1024,
      maxMemoryKiB: memory * 1024,
      vcpus: 1,
      store: { port: boot.xenstorePort, ringRef: boot.xenstorePfn },
      console: { port: boot.consolePort, ringRef: boot.consolePfn },
    });
    xenstore.introduceDomain(domid);
    const events = (this.events = new Dom0Events(vmm));
    const mem = vmm.foreignMemory(domid);
    const page = (pfn: number): Uint8Array => {
      const off = mem.frameOffset(pfn);
      return mem.ram.subarray(off, off + PAGE_SIZE);
    };
    let xsPort = 0;
    const ring = new XenstoreRingServer(xenstore.connect(domid), page(boot.xenstorePfn), () =>
      events.notify(xsPort),
    );
    xsPort = events.bind(domid, boot.xenstorePort, () => ring.service());
    let consPort = 0;
    this.xencons = new XenconsBackend(
      page(boot.consolePfn),
      () => events.notify(consPort),
      (b) => this.out.push(...b),
    );
    consPort = events.bind(domid, boot.consolePort, () => this.xencons?.service());
    if (disk) {
      const devid = 51712; // xvda: (202 << 8) | (0 << 4)
      const { frontend, backend } = writeDeviceLayout(xs0, {
        kind: 'vbd',
        domid,
        devid,
        frontend: { 'virtual-device': String(devid), 'device-type': 'disk' },
        backend: {
          params: 'test-image',
          mode: 'w',
          type: 'phy',
          dev: 'xvda',
          'device-type': 'disk',
          removable: '0',
        },
      });
      if (backends === 'server') {
        this.serverBlkback = new Blkback({
          xs: xs0,
          grants: vmm,
          events,
          domid,
          devid,
          disk: this.guestDisk(domid, disk, 'xvda', devid, 'pv'),
        });
        this.serverBlkback.start();
      } else {
        this.blkback = new BlkbackModel(vmm, events, xs0, domid, frontend, backend, disk);
      }
    }
  }

  /** Console output so far: the serial line (HVM) or the PV console, without ANSI codes or \r. */
  output(): string {
    if (this.out.length) {
      this.decoded += Buffer.from(this.out).toString('latin1');
      this.out = [];
    }
    return stripAnsi(this.decoded);
  }

  /** The VGA text screen (HVM). */
  screen(): string {
    return this.vga?.textSnapshot() ?? '';
  }

  /** Bytes typed at the console: COM1's receiver (HVM) or the xencons ring (PV). */
  type(text: string): void {
    const bytes = Buffer.from(text, 'latin1');
    if (this.com1) this.com1.receive(bytes);
    else this.xencons?.input(bytes);
    this.vmm.kick();
  }

  /** Keys pressed on the PS/2 keyboard (HVM). */
  typeKeys(text: string): void {
    if (!this.keyboard) throw new Error('no keyboard in PV mode');
    const skipped = this.keyboard.typeText(text);
    if (skipped) throw new Error(`cannot type ${JSON.stringify(skipped)}`);
  }

  state(): string {
    return this.vmm.domainInfo(this.domid).state;
  }

  /** Guest time since boot, ns. */
  guestNs(): number {
    return this.vmm.now() - this.vmm.guest(this.domid).bootNs;
  }

  runUntil(done: () => boolean, maxNs = 5e9): boolean {
    return this.vmm.runUntil(done, maxNs);
  }

  /** Run until the output contains `needle`; throws with the output so far if it does not come. */
  waitFor(needle: string | RegExp, maxNs = 5e9): string {
    const found = () =>
      typeof needle === 'string' ? this.output().includes(needle) : needle.test(this.output());
    if (!this.runUntil(found, maxNs)) {
      throw new Error(
        `timed out waiting for ${String(needle)}; state ${this.state()}; output:\n${this.output()}`,
      );
    }
    return this.output();
  }

  /** Boot to the first prompt; returns the guest time it took (ns). */
  bootToPrompt(maxNs = 5e9): number {
    this.runUntil(() => PROMPT.test(this.output()) || this.state() !== 'running', maxNs);
    if (!PROMPT.test(this.output()))
      throw new Error(`no prompt; state ${this.state()}; output:\n${this.output()}`);
    return this.guestNs();
  }

  /**
   * Like runUntil, for back ends that complete asynchronously: run the guest
   * in slices of `stepNs` of guest time and let the host's promises settle
   * between them (a disk request costs the guest at most one slice).
   */
  async runUntilAsync(done: () => boolean, maxNs = 5e9, stepNs = 2e5): Promise<boolean> {
    const end = this.guestNs() + maxNs;
    while (!done() && this.guestNs() < end) {
      this.vmm.runUntil(done, stepNs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return done();
  }

  async bootToPromptAsync(maxNs = 5e9): Promise<number> {
    await this.runUntilAsync(() => PROMPT.test(this.output()) || this.state() !== 'running', maxNs);
    if (!PROMPT.test(this.output()))
      throw new Error(`no prompt; state ${this.state()}; output:\n${this.output()}`);
    return this.guestNs();
  }

  async commandAsync(line: string, maxNs = 20e9): Promise<string> {
    const start = this.output().length;
    this.type(`${line}\r`);
    const after = () => this.output().slice(start);
    const done = () => {
      const t = after();
      const nl = t.indexOf('\n');
      return (nl >= 0 && PROMPT.test(t.slice(nl + 1))) || this.state() !== 'running';
    };
    if (!(await this.runUntilAsync(done, maxNs)))
      throw new Error(`"${line}" did not finish; output:\n${after()}`);
    const t = after();
    return t.slice(t.indexOf('\n') + 1).replace(PROMPT, '');
  }

  /** Type a command line and return what it printed before the next prompt. */
  command(line: string, maxNs = 20e9, via: 'console' | 'keyboard' = 'console'): string {
    const start = this.output().length;
    if (via === 'keyboard') this.typeKeys(`${line}\n`);
    else this.type(`${line}\r`);
    const after = () => this.output().slice(start);
    const done = () => {
      const t = after();
      const nl = t.indexOf('\n');
      return (nl >= 0 && PROMPT.test(t.slice(nl + 1))) || this.state() !== 'running';
    };
    if (!this.runUntil(done, maxNs))
      throw new Error(`"${line}" did not finish; output:\n${after()}`);
    const t = after();
    const body = t.slice(t.indexOf('\n') + 1);
    return body.replace(PROMPT, '');
  }
}
