import { describe, expect, it } from 'vitest';
import { parseXlConfig } from '../../../src/server/config/xl-config.ts';
import { buildHvmPlatform, RTC_POLL_MS } from '../../../src/server/toolstack/hvm-platform.ts';
import { isaIrqToPlic } from '../../../src/server/device-models/isa-port-map.ts';

const cfg = (extra = '') =>
  parseXlConfig(`name = "h"\ntype = "hvm"\nkernel = "/k"\n${extra}`).config;

function platform(extra = '') {
  const out: number[] = [];
  const irqs: [number, boolean][] = [];
  let resets = 0;
  const p = buildHvmPlatform(cfg(extra), {
    serialOut: (b) => out.push(b),
    setIrq: (irq, level) => irqs.push([irq, level]),
    systemReset: () => resets++,
    clock: () => Date.UTC(2024, 4, 17, 12, 34, 56) + performance.now(),
  });
  const handler = (name: string) => {
    const spec = p.devices.flatMap((d) => d.ioreqs).find((s) => s.name === name);
    if (!spec) throw new Error(`no ioreq server ${name}`);
    return spec.handler;
  };
  return { p, out, irqs, resets: () => resets, handler };
}

describe('HVM platform devices', () => {
  it('gives an HVM guest COM1, PS/2, RTC and VGA, each with its DTB node and ioreq ranges', () => {
    const { p } = platform();
    expect(p.devices.map((d) => d.id)).toEqual(['com1', 'ps2', 'rtc', 'vga']);
    expect(p.devices.map((d) => d.dtb.name)).toEqual([
      'serial',
      'keyboard-controller',
      'rtc',
      'vga',
    ]);
    expect(p.devices.flatMap((d) => d.ioreqs.map((s) => s.name))).toEqual([
      'com1',
      'ps2',
      'rtc',
      'vga',
      'vga-text',
      'vga-lfb',
    ]);
    expect(p.stdoutPath).toBe('/soc/serial@30003f8');
    expect(p.vga?.dtb.props?.['tabvisor,isa-memory']).toEqual([0x040b8000, 0x8000]);
    expect(platform('vga = "none"\n').p.devices.map((d) => d.id)).toEqual(['com1', 'ps2', 'rtc']);
  });

  it('sends COM1 output to the console and raises ISA IRQ 4 on the PLIC for received bytes', () => {
    const { p, out, irqs, handler } = platform();
    const com1 = handler('com1');
    for (const b of 'ok') com1.write(0x3f8, 1, b.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('ok');
    com1.write(0x3f9, 1, 0x01); // IER: received data available
    p.serial.model.receive([0x41]);
    expect(irqs).toContainEqual([isaIrqToPlic(4), true]);
    expect(com1.read(0x3f8, 1)).toBe(0x41);
    expect(irqs.at(-1)).toEqual([isaIrqToPlic(4), false]);
  });

  it("reads the host's date from the RTC, and polls it for interrupts only while the guest enables them", async () => {
    const { p, irqs, handler } = platform();
    const rtc = handler('rtc');
    rtc.write(0x70, 1, 0x09); // year
    expect(rtc.read(0x71, 1)).toBe(0x24); // BCD
    await new Promise((r) => setTimeout(r, 3 * RTC_POLL_MS));
    expect(irqs.filter(([irq]) => irq === isaIrqToPlic(8))).toEqual([]);
    rtc.write(0x70, 1, 0x0b);
    rtc.write(0x71, 1, 0x02 | 0x40); // 24 h, periodic interrupt on (1024 Hz)
    rtc.write(0x70, 1, 0x0c);
    rtc.read(0x71, 1); // reading register C acknowledges: IRQ 8 low
    expect(irqs.at(-1)).toEqual([isaIrqToPlic(8), false]);
    const seen = irqs.length;
    // No guest access from here on: only the VM server's polling can raise it again.
    await new Promise((r) => setTimeout(r, 5 * RTC_POLL_MS));
    expect(irqs.slice(seen)).toContainEqual([isaIrqToPlic(8), true]);
    p.rtc.dispose();
    rtc.read(0x71, 1);
    const after = irqs.length;
    await new Promise((r) => setTimeout(r, 5 * RTC_POLL_MS));
    expect(irqs.length).toBe(after);
  });

  it('asks for a system reset when the guest pulses the keyboard controller reset line (0xFE)', () => {
    const { resets, handler } = platform();
    handler('ps2').write(0x64, 1, 0xfe);
    expect(resets()).toBe(1);
  });

  it('returns every device to its power-on state on reset', () => {
    const { p, handler } = platform();
    const com1 = handler('com1');
    com1.write(0x3ff, 1, 0x5a); // scratch register
    expect(com1.read(0x3ff, 1)).toBe(0x5a);
    for (const d of p.devices) d.reset();
    expect(com1.read(0x3ff, 1)).toBe(0);
  });
});
