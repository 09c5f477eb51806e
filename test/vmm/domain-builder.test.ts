import { describe, expect, it } from 'vitest';
import { parseFdt } from '../../src/machine/fdt';
import { StartInfo } from '../../src/vmm/abi/start-info';
import { DomainBuildError, placeRamdisk, VMM_REGION_SIZE } from '../../src/vmm/domain-builder';
import { Vmm } from '../../src/vmm/vmm';
import { spinGuest } from './helpers/asm';
import { program } from './helpers/programs';

const MiB = 1024 * 1024;
const BASE = 0x80000000;

/** A pseudo-random image, so a misplaced byte shows. */
function image(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

describe('domain builder: initial ramdisk', () => {
  it('loads it into RAM and describes it in /chosen as Linux expects, and in start_info', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const ramdisk = image(70_001);
    const id = vmm.createDomain({
      name: 'initrd',
      type: 'pv',
      memory: 16,
      kernel: program('pv-wait.elf'),
      cmdline: 'initrd',
      ramdisk,
    });
    const mem = vmm.foreignMemory(id);
    const b = vmm.bootInfo(id);
    const { root } = parseFdt(mem.ram.subarray(b.dtb - mem.base));
    const chosen = root.find('/chosen')!;
    // u64 cells (high, low), end exclusive (Documentation/devicetree/bindings/chosen.txt).
    const [sHi, start] = chosen.getU32s('linux,initrd-start') ?? [];
    const [eHi, end] = chosen.getU32s('linux,initrd-end') ?? [];
    expect([sHi, eHi]).toEqual([0, 0]);
    expect(start).toBe(BASE + 8 * MiB); // half way into 16 MiB, as QEMU virt places it
    expect(end! - start!).toBe(ramdisk.length);
    expect(mem.ram.subarray(start! - BASE, end! - BASE)).toEqual(ramdisk);
    const si = b.startInfo! - BASE;
    expect(mem.view.getUint32(si + StartInfo.mod_start, true)).toBe(start);
    expect(mem.view.getUint32(si + StartInfo.mod_len, true)).toBe(ramdisk.length);

    // The guest finds it through its DTB and reads it intact.
    expect(vmm.runUntil(() => vmm.domainInfo(id).state === 'shutdown', 1e9)).toBe(true);
    const crc = crc32(ramdisk).toString(16).padStart(8, '0');
    expect(vmm.consoleText(id)).toBe(
      `initrd start=0x${start!.toString(16)} size=70001 crc32=0x${crc} mod_start matches=1\n`,
    );
  });

  it('loads it again on reboot, over whatever the guest left there', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const ramdisk = image(8192, 7);
    const id = vmm.createDomain({
      name: 'r',
      type: 'hvm',
      memory: 4,
      kernel: spinGuest(),
      ramdisk,
    });
    const mem = vmm.foreignMemory(id);
    const at = 2 * MiB;
    mem.ram.fill(0, at, at + ramdisk.length);
    vmm.reboot(id);
    expect(mem.ram.subarray(at, at + ramdisk.length)).toEqual(ramdisk);
    const saved = vmm.saveDomain(id);
    expect(saved.config.ramdisk).toEqual(ramdisk);
    expect(saved.config.ramdisk).not.toBe(ramdisk);
  });

  it('has no /chosen initrd properties without one', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain({ name: 'n', type: 'hvm', memory: 4, kernel: spinGuest() });
    const mem = vmm.foreignMemory(id);
    const { root } = parseFdt(mem.ram.subarray(vmm.bootInfo(id).dtb - mem.base));
    expect(root.find('/chosen')!.props.has('linux,initrd-start')).toBe(false);
  });

  it('refuses a ramdisk that does not fit, returning the memory it had reserved', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const free = vmm.hostInfo().freeMemoryKiB;
    expect(() =>
      vmm.createDomain({
        name: 'big',
        type: 'hvm',
        memory: 4,
        kernel: spinGuest(),
        ramdisk: new Uint8Array(4 * MiB),
      }),
    ).toThrow(DomainBuildError);
    expect(() =>
      vmm.createDomain({
        name: 'big',
        type: 'hvm',
        memory: 4,
        kernel: spinGuest(),
        ramdisk: new Uint8Array(4 * MiB),
      }),
    ).toThrow(/ramdisk for "big" \(4194304 bytes\) does not fit/);
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free);
    expect(vmm.list()).toHaveLength(1);
  });
});

describe('placeRamdisk', () => {
  const kernelEnd = BASE + 0x210000;
  it.each([
    // [what, boot RAM, size, expected start]
    ['half way into RAM below 256 MiB', 64 * MiB, MiB, BASE + 32 * MiB],
    ['at 128 MiB from 256 MiB up', 512 * MiB, MiB, BASE + 128 * MiB],
    [
      'page aligned below the VMM pages when half way collides with the kernel',
      4 * MiB,
      MiB,
      'high',
    ],
    [
      'page aligned below the VMM pages when half way runs into them',
      8 * MiB,
      4 * MiB - 99,
      'high',
    ],
    ['nowhere when it would overlap the kernel', 4 * MiB, 2 * MiB, 'none'],
  ] as const)('puts it %s', (_what, ram, size, want) => {
    const reserved = BASE + ram - VMM_REGION_SIZE;
    const got = placeRamdisk(BASE, ram, kernelEnd, reserved, size);
    if (want === 'none') {
      expect(got).toBeNull();
    } else if (want === 'high') {
      expect(got).not.toBeNull();
      expect(got! % 4096).toBe(0);
      expect(got! + size).toBeLessThanOrEqual(reserved);
      expect(reserved - (got! + size)).toBeLessThan(4096);
      expect(got!).toBeGreaterThanOrEqual(kernelEnd);
    } else {
      expect(got).toBe(want);
    }
  });
});
