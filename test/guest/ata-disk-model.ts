import type { IoreqHandler, IoreqRange } from '../../src/vmm/ioreq';

/**
 * A minimal ATA PIO disk for Sprout's tests, until the VM server's IDE model
 * (src/server/device-models/ide.ts) lands: device 0 of the primary channel,
 * command block 0x1F0–0x1F7 and control block 0x3F6, following the
 * protocols of ATA/ATAPI-6 §9 that Sprout's driver uses — PIO data-in
 * (IDENTIFY DEVICE, READ SECTORS[/EXT]), PIO data-out (WRITE SECTORS[/EXT]),
 * non-data (FLUSH CACHE[/EXT]). INTRQ is a level: set when the device wants
 * attention, cleared by reading Status, masked by nIEN.
 */

const ST_DRDY = 0x40;
const ST_DRQ = 0x08;
const ST_ERR = 0x01;
const ERR_ABRT = 0x04;
const CTL_NIEN = 0x02;
const CTL_SRST = 0x04;
const SECTOR = 512;

/** Where the model's sectors live: a flat image, or a sparse store for disks too big for memory. */
export interface SectorStore {
  readonly sectors: number;
  readSector(lba: number): Uint8Array;
  writeSector(lba: number, data: Uint8Array): void;
}

export class ImageStore implements SectorStore {
  readonly sectors: number;
  constructor(readonly image: Uint8Array) {
    if (image.length % SECTOR !== 0) throw new RangeError('disk image must be whole sectors');
    this.sectors = image.length / SECTOR;
  }
  readSector(lba: number): Uint8Array {
    return this.image.slice(lba * SECTOR, (lba + 1) * SECTOR);
  }
  writeSector(lba: number, data: Uint8Array): void {
    this.image.set(data, lba * SECTOR);
  }
}

/** A huge disk of which only the sectors written exist (the rest read as zeros). */
export class SparseStore implements SectorStore {
  readonly written = new Map<number, Uint8Array>();
  constructor(readonly sectors: number) {}
  readSector(lba: number): Uint8Array {
    return this.written.get(lba)?.slice() ?? new Uint8Array(SECTOR);
  }
  writeSector(lba: number, data: Uint8Array): void {
    this.written.set(lba, data.slice(0, SECTOR));
  }
  /** Sectors [lba, lba + count) as one image. */
  extract(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * SECTOR);
    for (const [n, d] of this.written)
      if (n >= lba && n < lba + count) out.set(d, (n - lba) * SECTOR);
    return out;
  }
  /** Copy an image in at sector `lba`. */
  load(lba: number, image: Uint8Array): void {
    for (let i = 0; i < image.length / SECTOR; i++) {
      const d = image.subarray(i * SECTOR, (i + 1) * SECTOR);
      if (d.some((b) => b !== 0)) this.written.set(lba + i, d.slice());
    }
  }
}

export class AtaDiskModel implements IoreqHandler {
  readonly ranges: IoreqRange[] = [
    { type: 'port', start: 0x1f0, size: 8 },
    { type: 'port', start: 0x3f6, size: 1 },
  ];
  accesses = 0;
  commands: number[] = [];
  private error = 0;
  private features = 0;
  private count = [0, 0]; // [current, previous] (48-bit commands read both)
  private lba = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  private device = 0;
  private status = ST_DRDY;
  private control = 0;
  private intrq = false;
  private buffer: Uint8Array = new Uint8Array(SECTOR);
  private bufPos = 0;
  private mode: 'idle' | 'in' | 'out' = 'idle';
  private remaining = 0;
  private nextLba = 0;

  readonly store: SectorStore;

  constructor(
    disk: Uint8Array | SectorStore,
    private readonly setIrq: (level: boolean) => void,
  ) {
    this.store = disk instanceof Uint8Array ? new ImageStore(disk) : disk;
  }

  get sectors(): number {
    return this.store.sectors;
  }

  private updateIrq(): void {
    this.setIrq(this.intrq && (this.control & CTL_NIEN) === 0);
  }

  private raise(): void {
    this.intrq = true;
    this.updateIrq();
  }

  private deviceSelected(): boolean {
    return (this.device & 0x10) === 0;
  }

  read(port: number, size: 1 | 2 | 4): number {
    this.accesses++;
    if (port === 0x1f0) {
      if (this.mode !== 'in') return 0xffff;
      let v = 0;
      for (let i = 0; i < size; i++) v |= (this.buffer[this.bufPos++] ?? 0) << (8 * i);
      if (this.bufPos >= SECTOR) this.sectorRead();
      return v >>> 0;
    }
    if (!this.deviceSelected() && port !== 0x1f6) return 0;
    switch (port) {
      case 0x1f1:
        return this.error;
      case 0x1f2:
        return this.count[0] ?? 0;
      case 0x1f3:
      case 0x1f4:
      case 0x1f5:
        return this.lba[port - 0x1f3]?.[0] ?? 0;
      case 0x1f6:
        return this.device;
      case 0x1f7:
        this.intrq = false;
        this.updateIrq();
        return this.status;
      case 0x3f6:
        return this.status;
    }
    return 0xff;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    this.accesses++;
    if (port === 0x1f0) {
      if (this.mode !== 'out') return;
      for (let i = 0; i < size; i++) this.buffer[this.bufPos++] = (value >>> (8 * i)) & 0xff;
      if (this.bufPos >= SECTOR) this.sectorWritten();
      return;
    }
    value &= 0xff;
    switch (port) {
      case 0x1f1:
        this.features = value;
        return;
      case 0x1f2:
        this.count = [value, this.count[0] ?? 0];
        return;
      case 0x1f3:
      case 0x1f4:
      case 0x1f5: {
        const r = this.lba[port - 0x1f3] as number[];
        r[1] = r[0] ?? 0;
        r[0] = value;
        return;
      }
      case 0x1f6:
        this.device = value;
        return;
      case 0x1f7:
        if (this.deviceSelected()) this.command(value);
        return;
      case 0x3f6:
        if (value & CTL_SRST && !(this.control & CTL_SRST)) this.reset();
        this.control = value;
        this.updateIrq();
        return;
    }
  }

  private reset(): void {
    this.mode = 'idle';
    this.status = ST_DRDY;
    this.error = 1; // diagnostic code: no error
    this.intrq = false;
  }

  private lba28(): number {
    const l = this.lba.map((r) => r[0] ?? 0);
    return ((this.device & 0x0f) << 24) | ((l[2] ?? 0) << 16) | ((l[1] ?? 0) << 8) | (l[0] ?? 0);
  }

  private lba48(): number {
    const cur = this.lba.map((r) => r[0] ?? 0);
    const prev = this.lba.map((r) => r[1] ?? 0);
    const lo = (((cur[2] ?? 0) << 16) | ((cur[1] ?? 0) << 8) | (cur[0] ?? 0)) >>> 0;
    const hi = (((prev[2] ?? 0) << 16) | ((prev[1] ?? 0) << 8) | (prev[0] ?? 0)) >>> 0;
    return hi * 0x100_0000 + lo;
  }

  private abort(): void {
    this.mode = 'idle';
    this.error = ERR_ABRT;
    this.status = ST_DRDY | ST_ERR;
    this.raise();
  }

  private command(cmd: number): void {
    this.commands.push(cmd);
    this.error = 0;
    const ext = cmd === 0x24 || cmd === 0x34 || cmd === 0xea;
    const count = ext
      ? ((this.count[1] ?? 0) << 8) | (this.count[0] ?? 0) || 65536
      : (this.count[0] ?? 0) || 256;
    const lba = ext ? this.lba48() : this.lba28();
    switch (cmd) {
      case 0xec:
        this.buffer = this.identify();
        this.bufPos = 0;
        this.mode = 'in';
        this.remaining = 0;
        this.status = ST_DRDY | ST_DRQ;
        this.raise();
        return;
      case 0x20:
      case 0x24:
        if (lba + count > this.sectors) return this.abort();
        this.nextLba = lba;
        this.remaining = count;
        this.loadSector();
        return;
      case 0x30:
      case 0x34:
        if (lba + count > this.sectors) return this.abort();
        this.nextLba = lba;
        this.remaining = count;
        this.mode = 'out';
        this.bufPos = 0;
        this.status = ST_DRDY | ST_DRQ; // no interrupt before the first sector (PIO data-out)
        return;
      case 0xe7:
      case 0xea:
        this.mode = 'idle';
        this.status = ST_DRDY;
        this.raise();
        return;
      default:
        this.abort();
    }
  }

  private loadSector(): void {
    this.buffer = this.store.readSector(this.nextLba);
    this.bufPos = 0;
    this.mode = 'in';
    this.status = ST_DRDY | ST_DRQ;
    this.raise();
  }

  private sectorRead(): void {
    this.remaining--;
    this.nextLba++;
    if (this.remaining > 0) this.loadSector();
    else {
      this.mode = 'idle';
      this.status = ST_DRDY;
    }
  }

  private sectorWritten(): void {
    this.store.writeSector(this.nextLba, this.buffer);
    this.nextLba++;
    this.remaining--;
    this.bufPos = 0;
    if (this.remaining > 0) this.status = ST_DRDY | ST_DRQ;
    else {
      this.mode = 'idle';
      this.status = ST_DRDY;
    }
    this.raise();
  }

  private identify(): Uint8Array {
    const w = new Uint16Array(256);
    const n = this.sectors;
    w[0] = 0x0040; // fixed device
    const model = 'TABVISOR TEST ATA DISK'.padEnd(40, ' ');
    for (let i = 0; i < 20; i++)
      w[27 + i] = (model.charCodeAt(2 * i) << 8) | model.charCodeAt(2 * i + 1);
    w[49] = 0x0200; // LBA supported
    const n28 = Math.min(n, 0x0fffffff);
    w[60] = n28 & 0xffff;
    w[61] = n28 >>> 16;
    w[83] = 0x4000 | (1 << 10); // 48-bit address feature set
    w[86] = 1 << 10;
    w[100] = n & 0xffff;
    w[101] = Math.floor(n / 0x10000) & 0xffff;
    w[102] = Math.floor(n / 0x1_0000_0000) & 0xffff;
    void this.features;
    return new Uint8Array(w.buffer);
  }
}
