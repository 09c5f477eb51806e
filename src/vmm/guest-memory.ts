import { PAGE_SHIFT, PAGE_SIZE } from './abi/hypercall';
import { VIRT_MEMMAP } from '../machine/address-map';

/** Guest RAM starts where QEMU virt's does. */
export const GUEST_RAM_BASE = VIRT_MEMMAP.dram.base;

/** satp (RV32) fields, privileged spec 4.1.11. */
const SATP_MODE_SV32 = 0x80000000;
const SATP_PPN_MASK = 0x003fffff;
/** Sv32 PTE bits, privileged spec 4.3.1. */
const PTE_V = 1 << 0;
const PTE_R = 1 << 1;
const PTE_W = 1 << 2;
const PTE_X = 1 << 3;
const PTE_U = 1 << 4;
const PTE_A = 1 << 6;
const PTE_D = 1 << 7;

/**
 * One domain's RAM: a flat block at guest-physical GUEST_RAM_BASE, plus which
 * pages are currently populated (ballooning returns pages to the host pool).
 * Every access made on a guest's behalf goes through the bounds checks here,
 * so a guest-supplied address can never reach outside this domain's block.
 */
export class GuestMemory {
  readonly ram: Uint8Array;
  readonly base = GUEST_RAM_BASE;
  readonly view: DataView;
  /** 1 = page populated (backed by the host pool), 0 = ballooned out. */
  readonly populated: Uint8Array;

  constructor(bytes: number, populatedPages = bytes >>> PAGE_SHIFT) {
    if (bytes <= 0 || bytes % PAGE_SIZE !== 0) {
      throw new RangeError(`guest RAM must be a positive multiple of ${PAGE_SIZE} bytes`);
    }
    this.ram = new Uint8Array(bytes);
    this.view = new DataView(this.ram.buffer);
    this.populated = new Uint8Array(bytes >>> PAGE_SHIFT);
    this.populated.fill(1, 0, populatedPages);
  }

  get pages(): number {
    return this.populated.length;
  }

  /** Page frame number (guest-physical address >> 12) of the first RAM page. */
  get firstPfn(): number {
    return this.base >>> PAGE_SHIFT;
  }

  /** Offset into `ram` of guest-physical [gpa, gpa + len), or −1 when any of it is not RAM. */
  offsetOf(gpa: number, len: number): number {
    if (!Number.isInteger(gpa) || gpa < 0 || len < 0) return -1;
    const off = gpa - this.base;
    return off >= 0 && off + len <= this.ram.length ? off : -1;
  }

  /** The offset of frame `pfn`, or −1 if it is not a RAM frame of this domain. */
  frameOffset(pfn: number): number {
    if (!Number.isInteger(pfn) || pfn < 0) return -1;
    return this.offsetOf(pfn * PAGE_SIZE, PAGE_SIZE);
  }

  readU32(gpa: number): number {
    return this.view.getUint32(gpa - this.base, true);
  }
  writeU32(gpa: number, value: number): void {
    this.view.setUint32(gpa - this.base, value >>> 0, true);
  }

  /** Copy host bytes into guest-physical memory (loader, builders). */
  writeBytes(gpa: number, bytes: Uint8Array): void {
    const off = this.offsetOf(gpa, bytes.length);
    if (off < 0)
      throw new RangeError(`guest-physical 0x${gpa.toString(16)}+${bytes.length} is outside RAM`);
    this.ram.set(bytes, off);
  }

  /** Populated pages, for accounting. */
  populatedCount(): number {
    let n = 0;
    for (const p of this.populated) n += p;
    return n;
  }
}

/** What a translation needs to know about the vCPU making the access (privileged spec 4.3.2). */
export interface TranslationContext {
  satp: number;
  /** sstatus.SUM: S-mode may touch U pages. */
  sum: boolean;
  /** sstatus.MXR: executable pages are readable. */
  mxr: boolean;
}

/**
 * Access to guest memory through a vCPU's view of it (Sv32 when satp.MODE = 1,
 * physical otherwise), as the hardware walk of privileged spec 4.3.2 would do
 * for an S-mode access. All methods return `null`/false instead of throwing on a
 * bad address: hypercalls turn that into −EFAULT.
 */
export class GuestAccess {
  constructor(
    readonly mem: GuestMemory,
    readonly ctx: TranslationContext,
  ) {}

  /** Guest-virtual → guest-physical for one byte, or −1 on a fault. Sets A (and D on write) like hardware. */
  translate(vaddr: number, write: boolean): number {
    vaddr >>>= 0;
    const { satp } = this.ctx;
    if ((satp & SATP_MODE_SV32) === 0) return vaddr;
    const mem = this.mem;
    let a = (satp & SATP_PPN_MASK) * PAGE_SIZE;
    for (let level = 1; level >= 0; level--) {
      const vpn = level === 1 ? vaddr >>> 22 : (vaddr >>> 12) & 0x3ff;
      const pteAddr = a + vpn * 4;
      if (mem.offsetOf(pteAddr, 4) < 0) return -1;
      let pte = mem.readU32(pteAddr);
      if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return -1;
      const ppn = pte >>> 10;
      if ((pte & (PTE_R | PTE_X)) === 0) {
        a = ppn * PAGE_SIZE;
        continue;
      }
      // Leaf: permission checks for an S-mode data access.
      if ((pte & PTE_U) !== 0 && !this.ctx.sum) return -1;
      const readable = (pte & PTE_R) !== 0 || (this.ctx.mxr && (pte & PTE_X) !== 0);
      if (write ? (pte & PTE_W) === 0 : !readable) return -1;
      if (level === 1 && (ppn & 0x3ff) !== 0) return -1; // misaligned superpage
      const want = PTE_A | (write ? PTE_D : 0);
      if ((pte & want) !== want) {
        pte |= want;
        mem.writeU32(pteAddr, pte);
      }
      const pageBase = level === 1 ? (ppn >>> 10) * 0x400000 + (vaddr & 0x3ff000) : ppn * PAGE_SIZE;
      return pageBase + (vaddr & 0xfff);
    }
    return -1;
  }

  /** Copy `len` bytes from guest-virtual `vaddr`; null when any byte is not readable, populated RAM. */
  read(vaddr: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    return this.copy(vaddr, len, false, (off, at, n) =>
      out.set(this.mem.ram.subarray(off, off + n), at),
    )
      ? out
      : null;
  }

  /** Copy bytes into guest-virtual `vaddr`; false (nothing partial is undone) on a fault. */
  write(vaddr: number, bytes: Uint8Array): boolean {
    return this.copy(vaddr, bytes.length, true, (off, at, n) =>
      this.mem.ram.set(bytes.subarray(at, at + n), off),
    );
  }

  readU32(vaddr: number): number | null {
    const b = this.read(vaddr, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }

  writeU32(vaddr: number, value: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.write(vaddr, b);
  }

  /** Walk page by page: each piece lies in one page, so one translation serves it. */
  private copy(
    vaddr: number,
    len: number,
    write: boolean,
    piece: (ramOffset: number, at: number, n: number) => void,
  ): boolean {
    if (!Number.isInteger(len) || len < 0) return false;
    vaddr >>>= 0;
    if (vaddr + len > 0x1_0000_0000) return false;
    let at = 0;
    while (at < len) {
      const va = vaddr + at;
      const n = Math.min(len - at, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
      const pa = this.translate(va, write);
      const off = pa < 0 ? -1 : this.mem.offsetOf(pa, n);
      // A ballooned-out frame is not there for the hypervisor either (no p2m entry).
      if (off < 0 || this.mem.populated[off >>> PAGE_SHIFT] !== 1) return false;
      piece(off, at, n);
      at += n;
    }
    return true;
  }
}
