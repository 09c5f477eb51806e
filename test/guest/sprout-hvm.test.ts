import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fatToolsAvailable, fsckFat, mtools, mtype, saveImage, scratchDir } from './fat-tools';
import { XenErrno } from '../../src/vmm/abi/errno';
import { Hypercall } from '../../src/vmm/abi/hypercall';
import { SbiError } from '../../src/vmm/abi/sbi';
import { SproutGuest } from './harness';

const MiB = 1 << 20;

describe('Sprout in HVM mode (emulated PC devices)', () => {
  it('boots to the prompt in under 0.3 s of guest time, binding each device the DTB lists', () => {
    const g = new SproutGuest({ mode: 'hvm', disk: new Uint8Array(16 * MiB) });
    const ns = g.bootToPrompt();
    expect(ns).toBeLessThan(0.3e9);
    const log = g.output();
    expect(log).toContain('booting in HVM mode');
    for (const dev of [
      'plic0: PLIC at 0x0c000000',
      'com1: 16550A UART at 0x030003f8, 115200 baud 8N1, ISA IRQ 4 (PLIC 68)',
      'kbd0: PS/2 keyboard on i8042 ports 0x60/0x64, ISA IRQ 1 (PLIC 65)',
      'rtc0: MC146818 RTC at ports 0x70/0x71 (PLIC 72), 2024-05-17 12:34:56 UTC',
      'vga0: VGA text 80x25 at 0x040b8000 (tabvisor,isa-memory)',
      'ata0: ATA disk "TABVISOR TEST ATA DISK", ports 0x1f0/0x3f6, ISA IRQ 14 (PLIC 78), LBA48',
      'fb0: Bochs VBE (id 0xb0c5), 4096 KiB framebuffer at 0x50000000',
    ]) {
      expect(log).toContain(dev);
    }
    expect(log).toContain('fs: ata0 is blank: formatting it');
    expect(log).toMatch(/fs: formatted ata0: FAT16, \d+ clusters of 2048 bytes/);
    expect(log).toMatch(/boot: HVM mode, 7 devices, ready in \d+ ms/);
    // Each driver's accesses were VM exits the VMM forwarded to the device models.
    const exits = g.vmm.exitCounters(g.domid);
    for (const model of [
      'port:com1',
      'port:ps2',
      'port:rtc',
      'port:vga',
      'mmio:vga-text',
      'port:ide0',
    ]) {
      expect(exits[model], model).toBeGreaterThan(0);
    }
    expect(g.ata?.commands).toContain(0xec); // IDENTIFY DEVICE
  });

  it('mirrors the console on the VGA screen and reads the PS/2 keyboard as well as the serial line', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    expect(g.screen()).toContain('booting in HVM mode');
    // Keys typed on the keyboard reach the shell (set-2 scan codes decoded by the driver).
    const out = g.command('echo Typed On The "PS/2" Keyboard!', undefined, 'keyboard');
    expect(out).toBe('Typed On The PS/2 Keyboard!\n');
    expect(g.screen()).toContain('Typed On The PS/2 Keyboard!');
    expect(g.command('echo and the serial line')).toBe('and the serial line\n');
    expect(g.screen()).toMatch(/sprout:\/\$ echo and the serial line\s+and the serial line/);
  });

  it('edits the line (cursor keys, backspace) and recalls history', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    expect(g.command('echo first')).toBe('first\n');
    // "echo secnd", Left x2, insert "o" -> "echo second"; Backspace-free edit of the middle.
    expect(g.command('echo secnd\x1b[D\x1b[Do')).toBe('second\n');
    // Up recalls "echo second"; Home, Right x5 over "echo ", ^K kills the rest, type anew.
    expect(g.command('\x1b[A\x1b[H\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x0bthird')).toBe('third\n');
    // Backspace (DEL) and ^U.
    expect(g.command('garbage\x15echo fourthX\x7f')).toBe('fourth\n');
    // Up twice: two commands back.
    expect(g.command('\x1b[A\x1b[A')).toBe('third\n');
  });

  it('runs the shell commands with clear errors', () => {
    const g = new SproutGuest({ mode: 'hvm', disk: new Uint8Array(16 * MiB) });
    g.bootToPrompt();
    expect(g.command('cat nofile')).toBe('cat: nofile: no such file\n');
    expect(g.command('frobnicate')).toBe('sprout: frobnicate: command not found (try help)\n');
    expect(g.command('mkdir docs')).toBe('');
    expect(g.command('mkdir docs')).toBe('mkdir: docs: file exists\n');
    expect(g.command('cd nowhere')).toBe('cd: nowhere: no such file\n');
    expect(g.command('echo x > docs')).toBe('sprout: docs: is a directory\n');
    expect(g.command('cd docs')).toBe('');
    expect(g.command('pwd')).toBe('/docs\n');
    expect(g.command('echo one > a.txt')).toBe('');
    expect(g.command('echo two >> a.txt')).toBe('');
    expect(g.command('cat a.txt')).toBe('one\ntwo\n');
    expect(g.command('cd ..')).toBe('');
    expect(g.command('rm docs')).toBe('rm: docs: directory not empty\n');
    expect(g.command('rm docs/a.txt')).toBe('');
    expect(g.command('rm docs')).toBe('');
    expect(g.command('ls')).toBe('');
    expect(g.command('date')).toMatch(/^Fri 2024-05-17 12:34:5\d UTC\n$/);
    expect(g.command('uptime')).toMatch(/^up \d+\.\d{3} s \(guest time\)/);
    expect(g.command('df')).toMatch(/ata0 {4}FAT16 {2}SPROUT +16334 +\d+ +\d+ +\d+% +2048/);
    const help = g.command('help');
    for (const c of [
      'ls',
      'cat',
      'echo',
      'rm',
      'mkdir',
      'cd',
      'pwd',
      'df',
      'sync',
      'mem',
      'uptime',
      'date',
      'dmesg',
      'lsdev',
      'hv',
      'bench',
      'gfx',
      'poweroff',
      'reboot',
    ]) {
      expect(help).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    expect(g.command('mem')).toMatch(/RAM +32768 KiB at 0x80000000-0x81ffffff[\s\S]*kernel text/);
    expect(g.command('dmesg')).toContain('booting in HVM mode');
    const lsdev = g.command('lsdev');
    expect(lsdev).toMatch(/ata0 +drivers\/ata-pio\.c +\d+ +\d+ +ATA disk/);
    // Sprout's count of its register accesses is the VMM's count of the exits they caused
    // (devices whose counts printing lsdev itself does not change).
    const exits = g.vmm.exitCounters(g.domid);
    const counted = (dev: string) =>
      Number(new RegExp(`^${dev} +\\S+ +(\\d+)`, 'm').exec(lsdev)?.[1]);
    expect(counted('ata0')).toBe(exits['port:ide0']);
    expect(counted('rtc0')).toBe(exits['port:rtc']);
    expect(counted('kbd0')).toBe(exits['port:ps2']);
    expect(lsdev).toMatch(/PLIC +78 +ata0 +\d+ interrupts/);
    const hv = g.command('hv');
    expect(hv).toContain('SBI 2.0, implementation 0x54616276 "Tabv"');
    expect(hv).toContain('Xen interface 4.17-tabvisor, xen-3.0-riscv32');
    // The VMM's own counters (tabvisor_op): a device's exits as hv shows them are exitCounters().
    expect(hv).toMatch(/VM exits of this domain, as the VMM counts them: \d+ in all, \d+ reasons/);
    const after = g.vmm.exitCounters(g.domid);
    const shown = (reason: string) =>
      Number(new RegExp(`^ +${reason} +(\\d+)$`, 'm').exec(hv)?.[1]);
    expect(shown('port:ide0')).toBeGreaterThan(0);
    expect(shown('port:ide0')).toBe(after['port:ide0']);
    expect(shown('port:ps2')).toBe(after['port:ps2']);
    // A VMM without the call: hv falls back to Sprout's own counts.
    const dispatch = g.vmm.hypercall.bind(g.vmm);
    g.vmm.hypercall = (d, v, nr) => {
      if (nr !== Hypercall.tabvisor_op) return dispatch(d, v, nr);
      v.hart.x[10] = SbiError.NotSupported;
      v.hart.x[11] = -XenErrno.ENOSYS;
    };
    const own = g.command('hv');
    expect(own).toContain('as Sprout counts them');
    expect(own).toMatch(/device register accesses +\d+/);
    expect(own).toMatch(/^ +ata0 +(\d+)$/m);
    expect(Number(/^ +ata0 +(\d+)$/m.exec(own)?.[1])).toBe(after['port:ide0']);
  });

  it('writes files that mtools reads and fsck.fat finds clean, then powers off through SBI SRST', () => {
    const disk = new Uint8Array(16 * MiB);
    const g = new SproutGuest({ mode: 'hvm', disk });
    g.bootToPrompt();
    for (const c of [
      'echo hello from sprout > hello.txt',
      'mkdir docs',
      'echo a file with a long name > "docs/A Long File Name.text"',
      'echo appended >> "docs/A Long File Name.text"',
      'echo MIXED > docs/MiXed.Case',
      'sync',
    ]) {
      expect(g.command(c)).toBe('');
    }
    g.command('poweroff');
    expect(g.state()).toBe('shutdown');
    expect(g.vmm.domainInfo(g.domid).shutdownReason).toBe('poweroff');
    expect(g.output()).toContain('Power down.');
    if (!fatToolsAvailable) return;
    const img = join(scratchDir(), 'hvm.img');
    saveImage(img, disk);
    expect(mtype(img, '/hello.txt')).toBe('hello from sprout\n');
    expect(mtype(img, '/docs/A Long File Name.text')).toBe('a file with a long name\nappended\n');
    expect(mtype(img, '/docs/MiXed.Case')).toBe('MIXED\n');
    expect(mtools('mdir', '-i', img, '-b', '::/docs').split('\n').filter(Boolean).sort()).toEqual([
      '::/docs/A Long File Name.text',
      '::/docs/MiXed.Case',
    ]);
    const fsck = fsckFat(img);
    expect(fsck.report).toMatch(/\d+ files, \d+\/\d+ clusters/);
    expect(fsck.code, fsck.report).toBe(0);
  });

  it('draws on the framebuffer (gfx) and returns to the text screen on a key', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    g.type('gfx\r');
    g.waitFor('press a key for the text screen');
    const mode = g.vga!.vbeMode();
    expect(mode).toMatchObject({ width: 320, height: 240, bpp: 32 });
    expect(g.vga!.geometry()).toMatchObject({ mode: 'graphics', width: 320, height: 240 });
    // The Mandelbrot set: black inside (the centre-left), colour outside (the left edge).
    const px = (x: number, y: number) =>
      g.vga!.framebuffer.read(g.vga!.lfbBase + (y * 320 + x) * 4, 4);
    expect(px(150, 120)).toBe(0);
    expect(px(2, 2)).not.toBe(0);
    expect(g.vmm.exitCounters(g.domid)['mmio:vga-lfb']).toBeGreaterThanOrEqual(320 * 240);
    g.type('q');
    g.runUntil(() => g.vga!.vbeMode() === null);
    g.bootToPrompt();
    expect(g.vga!.geometry().mode).toBe('text');
    expect(g.screen()).toContain('Mandelbrot drawn');
  });

  it('reboots through SBI SRST (cold reboot)', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    g.command('reboot');
    expect(g.state()).toBe('shutdown');
    expect(g.vmm.domainInfo(g.domid).shutdownReason).toBe('reboot');
    expect(g.output()).toContain('Restarting system.');
  });
});

describe('Sprout without a disk', () => {
  it('says so clearly when a file command needs one', () => {
    const g = new SproutGuest({ mode: 'hvm' });
    g.bootToPrompt();
    expect(g.output()).toContain('disk: none; the file commands need one');
    expect(g.command('ls')).toBe('ls: .: no disk\n');
    expect(g.command('echo x > f')).toBe('sprout: f: no disk\n');
    expect(g.command('bench disk')).toBe('bench: disk: no disk\n');
    expect(g.command('echo still fine')).toBe('still fine\n');
  });
});
