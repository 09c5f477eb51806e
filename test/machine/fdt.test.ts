import { describe, expect, it } from 'vitest';
import { FDT_MAGIC, FdtNode, fdtValue, parseFdt, serializeFdt } from '../../src/machine/fdt';

describe('flattened device tree writer/reader', () => {
  const tree = () => {
    const root = new FdtNode('');
    root.setU32('#address-cells', 2).setString('model', 'test');
    const a = root.addChild('a@1000').set('reg', fdtValue.u64(0x1000, 0x1_0000_0000));
    a.setStrings('compatible', ['x,one', 'x,two']).setEmpty('flag');
    a.addChild('deep').set('odd', new Uint8Array([1, 2, 3])); // unaligned length
    root.addChild('b').setU32('model', 7); // property name reused: one strings-table entry
    return root;
  };

  it('writes a version-17 header whose offsets and sizes describe the blob', () => {
    const blob = serializeFdt(tree(), {
      bootCpuId: 3,
      reservations: [{ address: 0x8000_0000, size: 0x2000 }],
    });
    const v = new DataView(blob.buffer);
    const [
      magic,
      total,
      offStruct,
      offStrings,
      offRsv,
      version,
      lastComp,
      bootCpu,
      sizeStrings,
      sizeStruct,
    ] = Array.from({ length: 10 }, (_, i) => v.getUint32(i * 4));
    expect(magic).toBe(FDT_MAGIC);
    expect(total).toBe(blob.length);
    expect([version, lastComp, bootCpu]).toEqual([17, 16, 3]);
    expect(offRsv! % 8).toBe(0);
    expect(offStruct! % 4).toBe(0);
    expect(offStruct! + sizeStruct!).toBe(offStrings);
    expect(offStrings! + sizeStrings!).toBe(total);
    expect(v.getUint32(offStruct! + sizeStruct! - 4)).toBe(9); // FDT_END
    const strings = new TextDecoder().decode(blob.subarray(offStrings, total));
    expect(strings.split('model').length - 1).toBe(1);
  });

  it('reads back exactly what it wrote', () => {
    const reservations = [
      { address: 0x8000_0000, size: 0x2000 },
      { address: 0x1_0000_0000, size: 16 },
    ];
    const parsed = parseFdt(serializeFdt(tree(), { reservations }));
    expect(parsed.version).toBe(17);
    expect(parsed.reservations).toEqual(reservations);
    const a = parsed.root.find('/a@1000');
    expect(a?.getU32s('reg')).toEqual([0, 0x1000, 1, 0]);
    expect(a?.getStrings('compatible')).toEqual(['x,one', 'x,two']);
    expect(a?.props.get('flag')?.length).toBe(0);
    expect([...(parsed.root.find('/a@1000/deep')?.props.get('odd') ?? [])]).toEqual([1, 2, 3]);
    expect(parsed.root.find('/b')?.getU32s('model')).toEqual([7]);
    expect(parsed.root.getStrings('model')).toEqual(['test']);
  });

  it('rejects a blob without the magic', () => {
    expect(() => parseFdt(new Uint8Array(64))).toThrow(/bad magic/);
  });
});
