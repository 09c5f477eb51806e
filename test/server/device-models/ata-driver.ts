/**
 * Test helper: a guest's ATA PIO driver, register by register, written from
 * ATA/ATAPI-6 §9 (PIO data-in / data-out / non-data protocols). It talks to
 * ports through `io`, which is either the model's handler directly or the
 * guest's bus (every access then a VM exit through the VMM).
 */
import { AtaStatus } from '../../../src/server/device-models/ide-registers';
import { settle } from '../storage/gated-store';

export interface PortIo {
  read(port: number, size: 1 | 2 | 4): number;
  write(port: number, size: 1 | 2 | 4, value: number): void;
}

export const BASE = 0x1f0;
export const CTRL = 0x3f6;

export class AtaDriver {
  constructor(readonly io: PortIo) {}

  inb(reg: number): number {
    return this.io.read(BASE + reg, 1);
  }
  outb(reg: number, v: number): void {
    this.io.write(BASE + reg, 1, v);
  }
  status(): number {
    return this.inb(7);
  }
  altStatus(): number {
    return this.io.read(CTRL, 1);
  }
  devctl(v: number): void {
    this.io.write(CTRL, 1, v);
  }

  /** Polls the alternate status until BSY clears (letting the host disk finish). */
  async waitNotBusy(limit = 1000): Promise<number> {
    for (let i = 0; i < limit; i++) {
      const s = this.altStatus();
      if (!(s & AtaStatus.BSY)) return s;
      await settle();
    }
    throw new Error('device stayed busy');
  }

  /** LBA28 taskfile (ATA-6 §9.x): count, LBA low/mid/high, device with the LBA bit. */
  taskfile28(lba: number, count: number): void {
    this.outb(2, count & 0xff);
    this.outb(3, lba & 0xff);
    this.outb(4, (lba >>> 8) & 0xff);
    this.outb(5, (lba >>> 16) & 0xff);
    this.outb(6, 0xe0 | ((lba >>> 24) & 0x0f));
  }

  /** LBA48: each register written twice, high byte first (ATA-6 §6.20). */
  taskfile48(lba: number, count: number): void {
    const b = (n: number) => Math.floor(lba / 2 ** (8 * n)) & 0xff;
    this.outb(2, (count >>> 8) & 0xff);
    this.outb(3, b(3));
    this.outb(4, b(4));
    this.outb(5, b(5));
    this.outb(2, count & 0xff);
    this.outb(3, b(0));
    this.outb(4, b(1));
    this.outb(5, b(2));
    this.outb(6, 0x40);
  }

  readWords(n: number, into: Uint8Array, at: number): void {
    for (let i = 0; i < n; i++) {
      const w = this.io.read(BASE, 2);
      into[at + 2 * i] = w & 0xff;
      into[at + 2 * i + 1] = w >>> 8;
    }
  }

  writeWords(n: number, from: Uint8Array, at: number): void {
    for (let i = 0; i < n; i++)
      this.io.write(
        BASE,
        2,
        (from[at + 2 * i] as number) | ((from[at + 2 * i + 1] as number) << 8),
      );
  }

  /** PIO data-in: for each DRQ block wait, check, read. Returns the data or throws with the error register. */
  async pioIn(cmd: number, sectors: number, blockSectors: number): Promise<Uint8Array> {
    this.outb(7, cmd);
    const out = new Uint8Array(sectors * 512);
    for (let done = 0; done < sectors; done += blockSectors) {
      const s = await this.waitNotBusy();
      if (s & AtaStatus.ERR) throw new Error(`ATA error 0x${this.inb(1).toString(16)}`);
      if (!(s & AtaStatus.DRQ)) throw new Error(`no DRQ (status 0x${s.toString(16)})`);
      this.status(); // acknowledge INTRQ
      const n = Math.min(blockSectors, sectors - done);
      this.readWords(n * 256, out, done * 512);
    }
    return out;
  }

  /** PIO data-out. Resolves with the final status. */
  async pioOut(cmd: number, data: Uint8Array, blockSectors: number): Promise<number> {
    this.outb(7, cmd);
    const sectors = data.length / 512;
    for (let done = 0; done < sectors; done += blockSectors) {
      const s = await this.waitNotBusy();
      if (s & AtaStatus.ERR) return this.status();
      if (!(s & AtaStatus.DRQ)) throw new Error(`no DRQ (status 0x${s.toString(16)})`);
      const n = Math.min(blockSectors, sectors - done);
      this.writeWords(n * 256, data, done * 512);
    }
    await this.waitNotBusy();
    return this.status();
  }

  /** A non-data command; resolves with the final status. */
  async nonData(cmd: number): Promise<number> {
    this.outb(7, cmd);
    await this.waitNotBusy();
    return this.status();
  }
}
