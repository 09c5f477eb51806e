import { bType, iType, jType, rType, sType, uType } from '../../../src/cpu/decode/encode';
import { scancodesFor, usKeyFor } from '../../../src/server/device-models/scancodes';
import { XenconsInterface } from '../../../src/vmm/abi/ring';
import { StartInfo } from '../../../src/vmm/abi/start-info';
import { ISA_IO_BASE, ISA_MEMORY_BASE } from '../../../src/vmm/abi/platform';
import { elf } from '../../vmm/helpers/asm';

/**
 * A stand-in guest for the desktop's tests while Sprout is being written: one
 * image that runs as HVM or PV, so the seeded definitions (all three use
 * sprout.elf) start and give the screens and consoles something to show.
 *
 * It probes the ISA window (a load from COM1's LSR): an HVM guest has it, a PV
 * guest takes an access fault (delegated to its stvec, privileged spec §3.1.8)
 * and the handler marks "no ISA". HVM: banner on the VGA text screen (ISA
 * 0xB8000) and COM1; input from COM1 and the PS/2 keyboard (scan code set 2,
 * the 8042 resets without translation). PV: SBI debug console (DBCN, SBI v2
 * §12) both ways. Every line typed is answered with "you said: LINE".
 */

const COM1 = ISA_IO_BASE + 0x3f8;
const KBD_DATA = ISA_IO_BASE + 0x60;
const KBD_STATUS = ISA_IO_BASE + 0x64;
const VGA_TEXT = ISA_MEMORY_BASE + 0xb8000;
const LINE_BUF = 0x80100000;
const DBCN = 0x4442434e;
const BASE = 0x80000000;
/** White on blue for the header row, light grey on black below (VGA attribute bytes). */
const ATTR_HEADER = 0x1f;
const ATTR_TEXT = 0x07;

// Registers.
const zero = 0,
  ra = 1,
  t0 = 5,
  t1 = 6,
  t2 = 7,
  s0 = 8,
  s1 = 9,
  a0 = 10,
  a1 = 11,
  a2 = 12,
  a3 = 13,
  a4 = 14,
  a6 = 16,
  a7 = 17,
  s2 = 18,
  s3 = 19,
  s4 = 20,
  s5 = 21,
  s6 = 22,
  t3 = 28,
  t4 = 29,
  t5 = 30,
  t6 = 31;

type Item = { label: string } | ((pc: number, at: (l: string) => number) => number[]);

class Program {
  readonly items: Item[] = [];
  readonly data: { label: string; bytes: number[] }[] = [];

  label(l: string): void {
    this.items.push({ label: l });
  }
  op(...words: number[]): void {
    this.items.push(() => words);
  }
  /** Instructions that depend on a label's address. */
  ref(n: number, f: (pc: number, target: number) => number[], l: string): void {
    this.items.push((pc, at) => {
      const w = f(pc, at(l));
      if (w.length !== n) throw new Error('size');
      return w;
    });
  }

  li(rd: number, v: number): void {
    const lo = (v << 20) >> 20;
    this.op(uType((v - lo) >>> 0, rd, 0x37), iType(lo, rd, 0, rd, 0x13));
  }
  la(rd: number, l: string): void {
    this.ref(
      2,
      (pc, t) => {
        const d = t - pc;
        const lo = (d << 20) >> 20;
        return [uType((d - lo) >>> 0, rd, 0x17), iType(lo, rd, 0, rd, 0x13)];
      },
      l,
    );
  }
  branch(f3: number, r1: number, r2: number, l: string): void {
    this.ref(1, (pc, t) => [bType(t - pc, r2, r1, f3, 0x63)], l);
  }
  beq = (r1: number, r2: number, l: string) => this.branch(0, r1, r2, l);
  bne = (r1: number, r2: number, l: string) => this.branch(1, r1, r2, l);
  bltu = (r1: number, r2: number, l: string) => this.branch(6, r1, r2, l);
  bgeu = (r1: number, r2: number, l: string) => this.branch(7, r1, r2, l);
  jal(rd: number, l: string): void {
    this.ref(1, (pc, t) => [jType(t - pc, rd, 0x6f)], l);
  }
  ret(link: number): void {
    this.op(iType(0, link, 0, zero, 0x67));
  }
  addi = (rd: number, rs: number, imm: number) => this.op(iType(imm, rs, 0, rd, 0x13));
  andi = (rd: number, rs: number, imm: number) => this.op(iType(imm, rs, 7, rd, 0x13));
  slli = (rd: number, rs: number, sh: number) => this.op(iType(sh, rs, 1, rd, 0x13));
  mv = (rd: number, rs: number) => this.addi(rd, rs, 0);
  ori = (rd: number, rs: number, imm: number) => this.op(iType(imm, rs, 6, rd, 0x13));
  or = (rd: number, r1: number, r2: number) => this.op(rType(0, r2, r1, 6, rd, 0x33));
  add = (rd: number, r1: number, r2: number) => this.op(rType(0, r2, r1, 0, rd, 0x33));
  sub = (rd: number, r1: number, r2: number) => this.op(rType(0x20, r2, r1, 0, rd, 0x33));
  mul = (rd: number, r1: number, r2: number) => this.op(rType(1, r2, r1, 0, rd, 0x33));
  divu = (rd: number, r1: number, r2: number) => this.op(rType(1, r2, r1, 5, rd, 0x33));
  lw = (rd: number, rs: number, off: number) => this.op(iType(off, rs, 2, rd, 0x03));
  sw = (rs2: number, rs: number, off: number) => this.op(sType(off, rs2, rs, 2, 0x23));
  lbu = (rd: number, rs: number, off: number) => this.op(iType(off, rs, 4, rd, 0x03));
  sb = (rs2: number, rs: number, off: number) => this.op(sType(off, rs2, rs, 0, 0x23));
  sh = (rs2: number, rs: number, off: number) => this.op(sType(off, rs2, rs, 1, 0x23));
  csrw = (csr: number, rs: number) => this.op(iType(csr, rs, 1, zero, 0x73));
  csrr = (rd: number, csr: number) => this.op(iType(csr, zero, 2, rd, 0x73));
  ecall = () => this.op(0x00000073);
  sret = () => this.op(0x10200073);

  bytes(label: string, bytes: number[]): void {
    this.data.push({ label, bytes });
  }
  string(label: string, s: string): void {
    this.bytes(label, [...new TextEncoder().encode(s), 0]);
  }

  assemble(): Uint8Array {
    const size = (it: Item): number => ('label' in it ? 0 : it(0, () => 0).length * 4);
    const labels = new Map<string, number>();
    let pc = BASE;
    for (const it of this.items) {
      if ('label' in it) labels.set(it.label, pc);
      else pc += size(it);
    }
    for (const d of this.data) {
      labels.set(d.label, pc);
      pc += d.bytes.length;
    }
    const at = (l: string): number => {
      const v = labels.get(l);
      if (v === undefined) throw new Error(`no label ${l}`);
      return v;
    };
    const words: number[] = [];
    pc = BASE;
    for (const it of this.items) {
      if ('label' in it) continue;
      const w = it(pc, at);
      words.push(...w);
      pc += w.length * 4;
    }
    const data = this.data.flatMap((d) => d.bytes);
    while (data.length % 4) data.push(0);
    for (let i = 0; i < data.length; i += 4)
      words.push(
        ((data[i] as number) |
          ((data[i + 1] as number) << 8) |
          ((data[i + 2] as number) << 16) |
          ((data[i + 3] as number) << 24)) >>>
          0,
      );
    return elf(words);
  }
}

/** Set-2 make code → ASCII for the unshifted US keys (0: ignore). */
function set2Table(): number[] {
  const table = new Array<number>(128).fill(0);
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789 -=[];',./\\`";
  for (const ch of chars) {
    const key = usKeyFor(ch);
    const codes = key && scancodesFor(key.code, 2, true);
    if (codes?.length === 1) table[codes[0] as number] = ch.charCodeAt(0);
  }
  table[scancodesFor('Enter', 2, true)?.[0] ?? 0] = 13;
  table[scancodesFor('Backspace', 2, true)?.[0] ?? 0] = 8;
  table[0] = 0;
  return table;
}

export function demoGuest(): Uint8Array {
  const p = new Program();
  // s0 VGA base, s1 VGA cursor, s2 1 = PV, s3 "skip next scan code" (after F0),
  // s4 line length, s5 COM1, s6 the console ring page (PV: start_info in a2 at entry).
  p.mv(s6, a2);
  p.la(t3, 'trap');
  p.csrw(0x105, t3); // stvec
  p.li(s2, 0);
  p.li(s5, COM1);
  p.lbu(t1, s5, 5); // faults in a PV guest: the handler sets s2
  p.li(s0, VGA_TEXT);
  p.addi(s1, s0, 160);
  p.li(s3, 0);
  p.li(s4, 0);
  p.bne(s2, zero, 'pv');
  p.li(s6, 0);
  // HVM: a header bar across row 0.
  p.mv(t1, s0);
  p.addi(t2, s0, 160);
  p.li(t3, (ATTR_HEADER << 8) | 0x20);
  p.label('bar');
  p.sh(t3, t1, 0);
  p.addi(t1, t1, 2);
  p.bltu(t1, t2, 'bar');
  p.la(a3, 'title');
  p.addi(t1, s0, 2);
  p.li(t2, ATTR_HEADER << 8);
  p.label('title-loop');
  p.lbu(a0, a3, 0);
  p.beq(a0, zero, 'banner');
  p.or(a0, a0, t2);
  p.sh(a0, t1, 0);
  p.addi(t1, t1, 2);
  p.addi(a3, a3, 1);
  p.jal(zero, 'title-loop');
  p.label('pv');
  p.beq(s6, zero, 'banner');
  p.lw(s6, s6, StartInfo.console_mfn);
  p.slli(s6, s6, 12);
  p.label('banner');
  p.la(a3, 'hello');
  p.jal(t5, 'print');
  p.la(a3, 'mode-hvm');
  p.beq(s2, zero, 'print-mode');
  p.la(a3, 'mode-pv');
  p.label('print-mode');
  p.jal(t5, 'print');
  p.la(a3, 'prompt');
  p.jal(t5, 'print');

  // The input loop.
  p.label('loop');
  p.bne(s2, zero, 'pv-in');
  p.lbu(t1, s5, 5); // LSR: data ready?
  p.andi(t1, t1, 1);
  p.beq(t1, zero, 'kbd');
  p.lbu(a0, s5, 0);
  p.jal(t6, 'handle');
  p.label('kbd');
  p.li(t4, KBD_STATUS);
  p.lbu(t1, t4, 0);
  p.andi(t1, t1, 1);
  p.beq(t1, zero, 'loop');
  p.li(t4, KBD_DATA);
  p.lbu(t1, t4, 0);
  p.li(t2, 0xf0);
  p.bne(t1, t2, 'not-break');
  p.li(s3, 1);
  p.jal(zero, 'loop');
  p.label('not-break');
  p.beq(s3, zero, 'make');
  p.li(s3, 0);
  p.jal(zero, 'loop');
  p.label('make');
  p.li(t2, 0x80);
  p.bgeu(t1, t2, 'loop');
  p.la(t4, 'set2');
  p.add(t4, t4, t1);
  p.lbu(a0, t4, 0);
  p.beq(a0, zero, 'loop');
  p.jal(t6, 'handle');
  p.jal(zero, 'loop');

  p.label('pv-in');
  // The PV console ring's input half (struct xencons_interface), once Domain-0 uses it.
  p.beq(s6, zero, 'dbcn-in');
  // The indices sit beyond a 12-bit offset: address them from in_cons.
  p.addi(t4, s6, 2047);
  p.addi(t4, t4, XenconsInterface.in_cons - 2047);
  p.lw(t1, t4, 0);
  p.lw(t2, t4, XenconsInterface.in_prod - XenconsInterface.in_cons);
  p.beq(t1, t2, 'dbcn-in');
  p.andi(t3, t1, XenconsInterface.in_size - 1);
  p.add(t3, t3, s6);
  p.lbu(a0, t3, XenconsInterface.in);
  p.addi(t1, t1, 1);
  p.sw(t1, t4, 0);
  p.jal(t6, 'handle');
  p.jal(zero, 'loop');
  p.label('dbcn-in'); // DBCN console_read(16, LINE_BUF + 256, 0)
  p.li(a0, 16);
  p.li(a1, LINE_BUF + 256);
  p.li(a2, 0);
  p.li(a6, 1);
  p.li(a7, DBCN);
  p.ecall();
  p.beq(a1, zero, 'loop');
  p.li(t0, LINE_BUF + 256);
  p.add(t2, t0, a1);
  p.label('pv-each');
  p.lbu(a0, t0, 0);
  p.mv(s3, t0); // s3 is free in PV; handle clobbers t0–t2
  p.mv(a4, t2);
  p.jal(t6, 'handle');
  p.addi(t0, s3, 1);
  p.mv(t2, a4);
  p.bltu(t0, t2, 'pv-each');
  p.li(s3, 0);
  p.jal(zero, 'loop');

  // handle(a0): one typed byte; link t6.
  p.label('handle');
  p.li(t1, 13);
  p.beq(a0, t1, 'enter');
  p.li(t1, 10);
  p.beq(a0, t1, 'enter');
  p.li(t1, 8);
  p.beq(a0, t1, 'backspace');
  p.li(t1, 127);
  p.beq(a0, t1, 'backspace');
  p.li(t1, 32);
  p.bltu(a0, t1, 'handled');
  p.li(t1, 200);
  p.bgeu(s4, t1, 'handled');
  p.li(t1, LINE_BUF);
  p.add(t1, t1, s4);
  p.sb(a0, t1, 0);
  p.addi(s4, s4, 1);
  p.jal(ra, 'putc');
  p.label('handled');
  p.ret(t6);
  p.label('backspace');
  p.beq(s4, zero, 'handled');
  p.addi(s4, s4, -1);
  p.li(a0, 8);
  p.jal(ra, 'putc');
  p.li(a0, 32);
  p.jal(ra, 'putc');
  p.li(a0, 8);
  p.jal(ra, 'putc');
  p.ret(t6);
  p.label('enter');
  p.li(t1, LINE_BUF);
  p.add(t1, t1, s4);
  p.sb(zero, t1, 0);
  p.la(a3, 'said');
  p.jal(t5, 'print');
  p.li(a3, LINE_BUF);
  p.jal(t5, 'print');
  p.la(a3, 'nl-prompt');
  p.jal(t5, 'print');
  p.li(s4, 0);
  p.ret(t6);

  // print(a3 = NUL-terminated string); link t5.
  p.label('print');
  p.lbu(a0, a3, 0);
  p.beq(a0, zero, 'print-done');
  p.jal(ra, 'putc');
  p.addi(a3, a3, 1);
  p.jal(zero, 'print');
  p.label('print-done');
  p.ret(t5);

  // putc(a0): to the console (COM1 or DBCN) and, in HVM, the VGA text screen; link ra.
  p.label('putc');
  p.bne(s2, zero, 'putc-pv');
  p.sb(a0, s5, 0);
  p.li(t1, 13);
  p.beq(a0, t1, 'putc-done');
  p.li(t1, 10);
  p.beq(a0, t1, 'vga-nl');
  p.li(t1, 8);
  p.beq(a0, t1, 'vga-bs');
  p.ori(t1, a0, ATTR_TEXT << 8);
  p.sh(t1, s1, 0);
  p.addi(s1, s1, 2);
  p.jal(zero, 'vga-wrap');
  p.label('vga-bs');
  p.addi(s1, s1, -2);
  p.ret(ra);
  p.label('vga-nl'); // s1 = start of the next row
  p.sub(t1, s1, s0);
  p.li(t2, 160);
  p.divu(t1, t1, t2);
  p.addi(t1, t1, 1);
  p.mul(t1, t1, t2);
  p.add(s1, s0, t1);
  p.label('vga-wrap'); // past row 24: clear rows 1–24, start again at row 1
  p.li(t1, 4000);
  p.add(t1, s0, t1);
  p.bltu(s1, t1, 'putc-done');
  p.addi(s1, s0, 160);
  p.li(t2, (ATTR_TEXT << 8) | 0x20);
  p.mv(t3, s1);
  p.label('clear');
  p.sh(t2, t3, 0);
  p.addi(t3, t3, 2);
  p.bltu(t3, t1, 'clear');
  p.label('putc-done');
  p.ret(ra);
  p.label('putc-pv'); // DBCN console_write_byte(a0); the call clobbers a0/a1
  p.li(a6, 2);
  p.li(a7, DBCN);
  p.ecall();
  p.ret(ra);

  // The access fault of the probe: no ISA window, so this is a PV guest.
  p.label('trap');
  p.li(s2, 1);
  p.csrr(t4, 0x141); // sepc
  p.addi(t4, t4, 4);
  p.csrw(0x141, t4);
  p.sret();

  p.string('title', 'Tabvisor demo guest  (VGA text 80x25)');
  p.string('hello', 'Tabvisor demo guest: type a line, it answers.\r\n');
  p.string('mode-hvm', 'mode: HVM (COM1 + VGA + PS/2)\r\n');
  p.string('mode-pv', 'mode: PV (hypervisor console)\r\n');
  p.string('prompt', '$ ');
  p.string('nl-prompt', '\r\n$ ');
  p.string('said', '\r\nyou said: ');
  p.bytes('set2', set2Table());
  return p.assemble();
}
