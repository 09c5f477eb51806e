import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIRT_MEMMAP } from '../../src/machine/address-map';
import { buildVirtDtb } from '../../src/machine/dtb';
import { parseFdt, type FdtNode } from '../../src/machine/fdt';
import { haveDtc, haveQemu } from './guest-build';

const RAM = 128 * 1024 * 1024;

describe('virt device tree', () => {
  const blob = buildVirtDtb({ ramSize: RAM, bootargs: 'console=ttyS0 earlycon' });

  it.runIf(haveDtc)('decompiles cleanly with dtc and has the expected nodes and properties', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabvisor-dtb-'));
    const file = join(dir, 'virt.dtb');
    writeFileSync(file, blob);
    const run = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(''); // no dtc warnings
    const dts = run.stdout;
    for (const line of [
      'timebase-frequency = <0x989680>;',
      'riscv,isa = "rv32imac_zicsr_zifencei";',
      'mmu-type = "riscv,sv32";',
      'compatible = "riscv,cpu-intc";',
      'reg = <0x00 0x80000000 0x00 0x8000000>;',
      'stdout-path = "/soc/serial@10000000";',
      'bootargs = "console=ttyS0 earlycon";',
      'compatible = "sifive,clint0\\0riscv,clint0";',
      'compatible = "sifive,plic-1.0.0\\0riscv,plic0";',
      'riscv,ndev = <0x60>;',
      'interrupts-extended = <0x02 0x0b 0x02 0x09>;',
      'interrupts-extended = <0x02 0x03 0x02 0x07>;',
      'compatible = "ns16550a";',
      'interrupts = <0x0a>;',
      'compatible = "sifive,test1\\0sifive,test0\\0syscon";',
      'compatible = "syscon-poweroff";',
      'value = <0x5555>;',
      'compatible = "syscon-reboot";',
      'value = <0x7777>;',
    ]) {
      expect(dts).toContain(line);
    }
    for (const node of [
      'cpus {',
      'cpu@0 {',
      'memory@80000000 {',
      'soc {',
      'clint@2000000 {',
      'plic@c000000 {',
      'serial@10000000 {',
      'test@100000 {',
      'chosen {',
    ]) {
      expect(dts).toContain(node);
    }
    // Round trip through dtc's own writer: dts → dtb must parse to the same tree.
    const again = join(dir, 'again.dtb');
    execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', again, '-'], {
      input: dts,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    expect(snapshot(parseFdt(readFileSync(again)).root)).toEqual(snapshot(parseFdt(blob).root));
  });

  it('places each device where the address map says', () => {
    const root = parseFdt(blob).root;
    const m = VIRT_MEMMAP;
    expect(root.find('/soc/serial@10000000')?.getU32s('reg')).toEqual([
      0,
      m.uart0.base,
      0,
      m.uart0.size,
    ]);
    expect(root.find('/soc/plic@c000000')?.getU32s('reg')).toEqual([
      0,
      m.plic.base,
      0,
      m.plic.size,
    ]);
    expect(root.find('/soc/clint@2000000')?.getU32s('reg')).toEqual([
      0,
      m.clint.base,
      0,
      m.clint.size,
    ]);
    expect(root.find('/soc/test@100000')?.getU32s('reg')).toEqual([0, m.test.base, 0, m.test.size]);
    expect(
      parseFdt(buildVirtDtb({ ramSize: 16 << 20 }))
        .root.find('/memory@80000000')
        ?.getU32s('reg'),
    ).toEqual([0, 0x8000_0000, 0, 16 << 20]);
  });

  it.runIf(haveQemu)(
    'agrees with the tree QEMU 7.2 generates for -M virt on the shared devices',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tabvisor-dtb-'));
      const file = join(dir, 'qemu.dtb');
      spawnSync(
        'qemu-system-riscv32',
        ['-M', `virt,dumpdtb=${file}`, '-bios', 'none', '-nographic'],
        {
          stdio: 'ignore',
          timeout: 20_000,
        },
      );
      const qemu = parseFdt(readFileSync(file)).root;
      const ours = parseFdt(blob).root;
      const compared: [string, string][] = [
        ['/', '#address-cells'],
        ['/', '#size-cells'],
        ['/cpus', 'timebase-frequency'],
        ['/cpus/cpu@0', 'mmu-type'],
        ['/cpus/cpu@0/interrupt-controller', 'compatible'],
        ['/memory@80000000', 'reg'],
        ['/chosen', 'stdout-path'],
        ['/poweroff', 'value'],
        ['/reboot', 'value'],
        ...['reg', 'interrupts', 'clock-frequency', 'compatible'].map((p): [string, string] => [
          '/soc/serial@10000000',
          p,
        ]),
        ...['reg', 'compatible', 'riscv,ndev', 'interrupts-extended'].map((p): [string, string] => [
          '/soc/plic@c000000',
          p,
        ]),
        ...['reg', 'compatible', 'interrupts-extended'].map((p): [string, string] => [
          '/soc/clint@2000000',
          p,
        ]),
        ...['reg', 'compatible'].map((p): [string, string] => ['/soc/test@100000', p]),
      ];
      for (const [path, prop] of compared) {
        const q = qemu.find(path)?.props.get(prop);
        expect(q, `${path} ${prop} in QEMU's tree`).toBeDefined();
        expect([...(ours.find(path)?.props.get(prop) ?? [])], `${path} ${prop}`).toEqual([
          ...(q ?? []),
        ]);
      }
    },
  );
});

/** A plain-data image of a tree, to compare two trees. */
function snapshot(node: FdtNode): unknown {
  return {
    name: node.name,
    props: [...node.props].map(([k, v]) => [k, [...v]]),
    children: node.children.map(snapshot),
  };
}
