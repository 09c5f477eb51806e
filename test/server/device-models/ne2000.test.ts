import { describe, expect, it } from 'vitest';
import {
  Cr,
  dp8390RegisterName,
  Isr,
  Rcr,
  Rsr,
  Tsr,
} from '../../../src/server/device-models/dp8390-registers';
import { isaDtbDevice } from '../../../src/server/device-models/isa-port-map';
import { Ne2000, type Ne2000State } from '../../../src/server/device-models/ne2000';
import { formatMac, parseMac } from '../../../src/server/network/ethernet';
import { crc32 } from '../../../src/server/storage/crc32';
import { WiredDevice } from '../../../src/server/toolstack/hvm-device';
import { ISA_IO_BASE } from '../../../src/vmm/abi/platform';
import { IoreqRegistry } from '../../../src/vmm/ioreq';

const BASE = 0x300;
const MAC = parseMac('00:16:3e:12:34:56');
const PEER = parseMac('00:16:3e:00:00:01');

// Linux drivers/net/ethernet/8390/8390.h and ne.c names.
const E8390_STOP = 0x01;
const E8390_START = 0x02;
const E8390_TRANS = 0x04;
const E8390_RREAD = 0x08;
const E8390_RWRITE = 0x10;
const E8390_NODMA = 0x20;
const E8390_PAGE0 = 0x00;
const E8390_PAGE1 = 0x40;
const E8390_PAGE2 = 0x80;
const E8390_RXCONFIG = 0x04; // AB
const E8390_RXOFF = 0x20;
const E8390_TXCONFIG = 0x00;
const E8390_TXOFF = 0x02;
const ENISR_ALL = 0x3f;
const CMD = 0x00;
const EN0_STARTPG = 0x01;
const EN0_STOPPG = 0x02;
const EN0_BOUNDARY = 0x03;
const EN0_TSR = 0x04;
const EN0_TPSR = 0x04;
const EN0_TCNTLO = 0x05;
const EN0_TCNTHI = 0x06;
const EN0_ISR = 0x07;
const EN0_RSARLO = 0x08;
const EN0_RSARHI = 0x09;
const EN0_RCNTLO = 0x0a;
const EN0_RCNTHI = 0x0b;
const EN0_RXCR = 0x0c;
const EN0_RSR = 0x0c;
const EN0_TXCR = 0x0d;
const EN0_COUNTER0 = 0x0d;
const EN0_DCFG = 0x0e;
const EN0_COUNTER2 = 0x0f;
const EN0_IMR = 0x0f;
const EN1_PHYS = 0x01;
const EN1_CURPAG = 0x07;
const EN1_MULT = 0x08;
const NE_DATAPORT = 0x10;
const NE_RESET = 0x1f;
const NESM_START_PG = 0x40;
const NESM_STOP_PG = 0x80;
const TX_PAGES = 12;

interface RxFrame {
  status: number;
  data: Uint8Array;
  page: number;
}

/**
 * A guest driver doing what Linux's ne.c and 8390.c do, register by
 * register (ne_probe_1, NS8390_init, ne_block_output/input, ei_receive).
 */
class NeDriver {
  wordLength = 1;
  rxStartPage = NESM_START_PG + TX_PAGES;
  stopPage = NESM_STOP_PG;
  txStartPage = NESM_START_PG;
  currentPage = 0;
  rxErrors = 0;

  constructor(
    readonly nic: Ne2000,
    readonly base = BASE,
  ) {}

  inb(r: number): number {
    return this.nic.read(this.base + r, 1);
  }
  outb(r: number, v: number): void {
    this.nic.write(this.base + r, 1, v);
  }

  /** ne_probe_1: 8390 check, reset, byte-wide PROM read, word-length detection. */
  probe(): { saProm: number[]; ne2000: boolean; resetSeen: boolean } {
    const reg0 = this.inb(0);
    if (reg0 === 0xff) throw new Error('no card');
    this.outb(CMD, E8390_NODMA + E8390_PAGE1 + E8390_STOP);
    this.outb(0x0d, 0xff);
    this.outb(CMD, E8390_NODMA + E8390_PAGE0);
    this.inb(EN0_COUNTER0);
    if (this.inb(EN0_COUNTER0) !== 0) throw new Error('not an 8390');

    this.outb(NE_RESET, this.inb(NE_RESET));
    const resetSeen = (this.inb(EN0_ISR) & Isr.RST) !== 0;
    this.outb(EN0_ISR, 0xff);

    const seq: [number, number][] = [
      [E8390_NODMA + E8390_PAGE0 + E8390_STOP, CMD],
      [0x48, EN0_DCFG],
      [0x00, EN0_RCNTLO],
      [0x00, EN0_RCNTHI],
      [0x00, EN0_IMR],
      [0xff, EN0_ISR],
      [E8390_RXOFF, EN0_RXCR],
      [E8390_TXOFF, EN0_TXCR],
      [32, EN0_RCNTLO],
      [0x00, EN0_RCNTHI],
      [0x00, EN0_RSARLO],
      [0x00, EN0_RSARHI],
      [E8390_RREAD + E8390_START, CMD],
    ];
    for (const [v, r] of seq) this.outb(r, v);
    const saProm: number[] = [];
    let wordLength = 2;
    for (let i = 0; i < 32; i += 2) {
      saProm[i] = this.inb(NE_DATAPORT);
      saProm[i + 1] = this.inb(NE_DATAPORT);
      if (saProm[i] !== saProm[i + 1]) wordLength = 1;
    }
    this.wordLength = wordLength;
    if (wordLength === 2) {
      for (let i = 0; i < 16; i++) saProm[i] = saProm[i + i] as number;
      this.outb(EN0_DCFG, 0x49);
    }
    return { saProm, ne2000: saProm[14] === 0x57 && saProm[15] === 0x57, resetSeen };
  }

  get word16(): boolean {
    return this.wordLength === 2;
  }

  /** NS8390_init(dev, startp). */
  init(mac: Uint8Array, startp = true, rxConfig = E8390_RXCONFIG): void {
    this.outb(CMD, E8390_NODMA + E8390_PAGE0 + E8390_STOP);
    this.outb(EN0_DCFG, this.word16 ? 0x49 : 0x48);
    this.outb(EN0_RCNTLO, 0);
    this.outb(EN0_RCNTHI, 0);
    this.outb(EN0_RXCR, E8390_RXOFF);
    this.outb(EN0_TXCR, E8390_TXOFF);
    this.outb(EN0_TPSR, this.txStartPage);
    this.outb(EN0_STARTPG, this.rxStartPage);
    this.outb(EN0_BOUNDARY, this.stopPage - 1);
    this.currentPage = this.rxStartPage;
    this.outb(EN0_STOPPG, this.stopPage);
    this.outb(EN0_ISR, 0xff);
    this.outb(EN0_IMR, 0);
    this.outb(CMD, E8390_NODMA + E8390_PAGE1 + E8390_STOP);
    for (let i = 0; i < 6; i++) {
      this.outb(EN1_PHYS + i, mac[i] as number);
      if (this.inb(EN1_PHYS + i) !== mac[i]) throw new Error('PAR mismap');
    }
    this.outb(EN1_CURPAG, this.rxStartPage);
    this.outb(CMD, E8390_NODMA + E8390_PAGE0 + E8390_STOP);
    if (startp) {
      this.outb(EN0_ISR, 0xff);
      this.outb(EN0_IMR, ENISR_ALL);
      this.outb(CMD, E8390_NODMA + E8390_PAGE0 + E8390_START);
      this.outb(EN0_TXCR, E8390_TXCONFIG);
      this.outb(EN0_RXCR, rxConfig);
    }
  }

  /** ne_block_output: remote write, then wait for RDC. */
  blockOutput(buf: Uint8Array, startPage: number): void {
    let count = buf.length;
    if (this.word16 && count & 1) count++;
    this.outb(CMD, E8390_PAGE0 + E8390_START + E8390_NODMA);
    this.outb(EN0_ISR, Isr.RDC);
    this.outb(EN0_RCNTLO, count & 0xff);
    this.outb(EN0_RCNTHI, count >> 8);
    this.outb(EN0_RSARLO, 0);
    this.outb(EN0_RSARHI, startPage);
    this.outb(CMD, E8390_RWRITE + E8390_START);
    if (this.word16) {
      for (let i = 0; i < count; i += 2)
        this.nic.write(this.base + NE_DATAPORT, 2, (buf[i] ?? 0) | ((buf[i + 1] ?? 0) << 8));
    } else {
      for (let i = 0; i < count; i++) this.outb(NE_DATAPORT, buf[i] as number);
    }
    if ((this.inb(EN0_ISR) & Isr.RDC) === 0) throw new Error('remote DMA did not complete');
    this.outb(EN0_ISR, Isr.RDC);
  }

  /** ne_block_input: remote read of `count` bytes at NIC address `offset`. */
  blockInput(count: number, offset: number): Uint8Array {
    const out = new Uint8Array(count);
    this.outb(CMD, E8390_NODMA + E8390_PAGE0 + E8390_START);
    this.outb(EN0_RCNTLO, count & 0xff);
    this.outb(EN0_RCNTHI, count >> 8);
    this.outb(EN0_RSARLO, offset & 0xff);
    this.outb(EN0_RSARHI, offset >> 8);
    this.outb(CMD, E8390_RREAD + E8390_START);
    if (this.word16) {
      for (let i = 0; i + 1 < count; i += 2) {
        const w = this.nic.read(this.base + NE_DATAPORT, 2);
        out[i] = w & 0xff;
        out[i + 1] = w >> 8;
      }
      if (count & 1) out[count - 1] = this.inb(NE_DATAPORT);
    } else {
      for (let i = 0; i < count; i++) out[i] = this.inb(NE_DATAPORT);
    }
    this.outb(EN0_ISR, Isr.RDC);
    return out;
  }

  /** ei_start_xmit without Linux's own padding: the frame's own length in TBCR. */
  transmit(frame: Uint8Array): number {
    this.blockOutput(frame, this.txStartPage);
    this.outb(CMD, E8390_NODMA + E8390_PAGE0);
    this.outb(EN0_TCNTLO, frame.length & 0xff);
    this.outb(EN0_TCNTHI, frame.length >> 8);
    this.outb(EN0_TPSR, this.txStartPage);
    this.outb(CMD, E8390_NODMA + E8390_TRANS + E8390_START);
    const isr = this.inb(EN0_ISR);
    this.outb(EN0_ISR, Isr.PTX | Isr.TXE);
    return isr;
  }

  /** ei_receive: follow the ring from BNRY + 1 to CURR, checking each header's next page. */
  receiveAll(): RxFrame[] {
    const frames: RxFrame[] = [];
    const numRxPages = this.stopPage - this.rxStartPage;
    for (;;) {
      this.outb(CMD, E8390_NODMA + E8390_PAGE1);
      const rxingPage = this.inb(EN1_CURPAG);
      this.outb(CMD, E8390_NODMA + E8390_PAGE0);
      let thisFrame = this.inb(EN0_BOUNDARY) + 1;
      if (thisFrame >= this.stopPage) thisFrame = this.rxStartPage;
      if (thisFrame === rxingPage) break;
      const hdr = this.blockInput(4, thisFrame << 8);
      const status = hdr[0] as number;
      const next = hdr[1] as number;
      const count = (hdr[2] as number) | ((hdr[3] as number) << 8);
      const pktLen = count - 4;
      const nextFrame = thisFrame + 1 + ((pktLen + 4) >> 8);
      if (
        next !== nextFrame &&
        next !== nextFrame + 1 &&
        next !== nextFrame - numRxPages &&
        next !== nextFrame + 1 - numRxPages
      ) {
        this.rxErrors++;
        this.currentPage = rxingPage;
        this.outb(EN0_BOUNDARY, this.currentPage - 1);
        continue;
      }
      if (pktLen < 60 || pktLen > 1518) this.rxErrors++;
      else
        frames.push({
          status,
          data: this.blockInput(pktLen, (thisFrame << 8) + 4),
          page: thisFrame,
        });
      this.currentPage = next;
      this.outb(EN0_BOUNDARY, next - 1);
    }
    this.outb(EN0_ISR, Isr.PRX | Isr.RXE);
    return frames;
  }
}

function frameTo(dest: Uint8Array, len: number, seed: number, src = PEER): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dest, 0);
  f.set(src, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  for (let i = 14; i < len; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  return f;
}

function rig(opts: { mac?: Uint8Array } = {}) {
  const sent: Uint8Array[] = [];
  const irq: boolean[] = [];
  const nic = new Ne2000({
    mac: opts.mac ?? MAC,
    irq: (l) => irq.push(l),
    transmit: (f) => sent.push(f),
  });
  const drv = new NeDriver(nic);
  return { nic, drv, sent, irq, line: () => irq.at(-1) ?? false };
}

/** A card probed and opened the way Linux does it. */
function openCard(rxConfig = E8390_RXCONFIG) {
  const r = rig();
  r.drv.probe();
  r.drv.init(MAC, true, rxConfig);
  return r;
}

/** The multicast filter bit, from zlib's reflected CRC-32: bit-reverse of ~crc's low 6 bits. */
function hashBit(dest: Uint8Array): number {
  const reg = ~crc32(dest.subarray(0, 6)) >>> 0;
  let idx = 0;
  for (let b = 0; b < 6; b++) idx |= ((reg >>> b) & 1) << (5 - b);
  return idx;
}

describe('DP8390 register map (§10.1)', () => {
  it.each([
    [0, 0x01, 'CLDA0', 'PSTART'],
    [0, 0x04, 'TSR', 'TPSR'],
    [0, 0x07, 'ISR', 'ISR'],
    [0, 0x0c, 'RSR', 'RCR'],
    [0, 0x0f, 'CNTR2', 'IMR'],
    [1, 0x01, 'PAR0', 'PAR0'],
    [1, 0x07, 'CURR', 'CURR'],
    [1, 0x0f, 'MAR7', 'MAR7'],
    [2, 0x01, 'PSTART', 'CLDA0'],
    [2, 0x0f, 'IMR', 'reserved'],
  ])('page %i offset %i reads %s and writes %s, and the counts say so', (page, off, rd, wr) => {
    expect(dp8390RegisterName(page, off, false)).toBe(rd);
    expect(dp8390RegisterName(page, off, true)).toBe(wr);
    const { nic, drv } = rig();
    drv.outb(CMD, (page << 6) | E8390_NODMA | E8390_STOP);
    drv.inb(off);
    drv.outb(off, 0);
    const counts = nic.accessCounts();
    expect(counts[rd]).toBeGreaterThanOrEqual(1);
    expect(counts[wr]).toBeGreaterThanOrEqual(1);
  });

  // Page 0 write-only registers are read back on page 2 (§10.1), masked to their defined bits.
  it.each([
    ['PSTART', 0x01, 0x01, 0x4c, 0x4c],
    ['PSTOP', 0x02, 0x02, 0x80, 0x80],
    ['TPSR', 0x04, 0x04, 0x40, 0x40],
    ['RCR', 0x0c, 0x0c, 0xff, 0x3f],
    ['TCR', 0x0d, 0x0d, 0xff, 0x1f],
    ['DCR', 0x0e, 0x0e, 0xff, 0x7f],
    ['IMR', 0x0f, 0x0f, 0xff, 0x7f],
  ])('%s written on page 0 reads back on page 2', (_n, w, r, v, expected) => {
    const { drv } = rig();
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0 | E8390_STOP);
    drv.outb(w, v);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE2 | E8390_STOP);
    expect(drv.inb(r)).toBe(expected);
  });

  it('keeps PAR, CURR and MAR on page 1 and BNRY on page 0', () => {
    const { drv } = rig();
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1 | E8390_STOP);
    for (let i = 1; i <= 0x0f; i++) drv.outb(i, 0x10 + i);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0 | E8390_STOP);
    drv.outb(EN0_BOUNDARY, 0x55);
    expect(drv.inb(EN0_BOUNDARY)).toBe(0x55);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1 | E8390_STOP);
    expect(Array.from({ length: 15 }, (_, i) => drv.inb(i + 1))).toEqual(
      Array.from({ length: 15 }, (_, i) => 0x11 + i),
    );
  });

  it('powers up stopped on page 0 with ISR.RST, IMR clear, PAR holding the PROM address', () => {
    const { drv, nic } = rig();
    expect(drv.inb(CMD)).toBe(Cr.STP | Cr.RD2);
    expect(drv.inb(EN0_ISR)).toBe(Isr.RST);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE2 | E8390_STOP);
    expect(drv.inb(0x0f)).toBe(0);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1 | E8390_STOP);
    expect(formatMac(Uint8Array.from([1, 2, 3, 4, 5, 6], (i) => drv.inb(i)))).toBe(formatMac(MAC));
    expect(nic.interruptLevel).toBe(false);
  });
});

describe('NE2000 probe as Linux ne.c does it', () => {
  it('resets, reads the PROM byte-wide, sees doubled bytes and "WW", switches to word mode', () => {
    const { drv } = rig();
    const { saProm, ne2000, resetSeen } = drv.probe();
    expect(resetSeen).toBe(true);
    expect(drv.wordLength).toBe(2);
    expect(ne2000).toBe(true);
    expect(formatMac(Uint8Array.from(saProm.slice(0, 6)))).toBe(formatMac(MAC));
    expect(saProm.slice(6, 14)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reads the PROM as 16 words in word mode (each word the byte doubled)', () => {
    const { drv, nic } = rig();
    drv.outb(EN0_DCFG, 0x49);
    drv.outb(EN0_RCNTLO, 32);
    drv.outb(EN0_RSARLO, 0);
    drv.outb(EN0_RSARHI, 0);
    drv.outb(CMD, E8390_RREAD + E8390_START);
    const words = Array.from({ length: 16 }, () => nic.read(BASE + NE_DATAPORT, 2));
    const bytes = [...MAC, 0, 0, 0, 0, 0, 0, 0, 0, 0x57, 0x57];
    expect(words).toEqual(bytes.map((b) => b | (b << 8)));
    expect(drv.inb(EN0_ISR) & Isr.RDC).toBe(Isr.RDC);
    expect(nic.accessCounts()['DATA']).toBe(16);
  });

  it('resets on a read or a write of the reset port; an ISR write leaves RST alone', () => {
    const { drv } = rig();
    drv.outb(CMD, E8390_NODMA | E8390_START);
    expect(drv.inb(EN0_ISR) & Isr.RST).toBe(0);
    drv.outb(EN0_IMR, 0x3f);
    drv.inb(NE_RESET);
    expect(drv.inb(CMD)).toBe(Cr.STP | Cr.RD2);
    expect(drv.inb(EN0_ISR)).toBe(Isr.RST);
    drv.outb(EN0_ISR, 0xff);
    expect(drv.inb(EN0_ISR)).toBe(Isr.RST);
    drv.outb(CMD, E8390_NODMA | E8390_START);
    drv.outb(NE_RESET, 0);
    expect(drv.inb(EN0_ISR)).toBe(Isr.RST);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE2 | E8390_STOP);
    expect(drv.inb(0x0f)).toBe(0); // IMR cleared
  });

  it('sets ISR.RST on CR.STP and clears it on CR.STA', () => {
    const { drv } = rig();
    drv.outb(CMD, E8390_NODMA | E8390_START);
    expect(drv.inb(EN0_ISR) & Isr.RST).toBe(0);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1); // neither STP nor STA: state kept
    expect(drv.inb(CMD) & (Cr.STP | Cr.STA)).toBe(Cr.STA);
    drv.outb(CMD, E8390_NODMA | E8390_STOP);
    expect(drv.inb(EN0_ISR) & Isr.RST).toBe(Isr.RST);
  });
});

describe('NE2000 transmission (§8.0)', () => {
  it('sends TBCR bytes from TPSR, padded to 60, with PTX in ISR and TSR and TXP cleared', () => {
    const { drv, sent, nic, line } = openCard();
    const arp = frameTo(parseMac('ff:ff:ff:ff:ff:ff'), 43, 1); // odd: word mode rounds the DMA up
    const isr = drv.transmit(arp);
    expect(sent).toHaveLength(1);
    const f = sent[0] as Uint8Array;
    expect(f.length).toBe(60);
    expect(Array.from(f.subarray(0, 43))).toEqual(Array.from(arp));
    expect(Array.from(f.subarray(43))).toEqual(new Array(17).fill(0));
    expect(isr & Isr.PTX).toBe(Isr.PTX);
    expect(drv.inb(EN0_TSR)).toBe(Tsr.PTX);
    expect(drv.inb(CMD) & Cr.TXP).toBe(0);
    expect(line()).toBe(false); // acknowledged by the driver
    expect([nic.framesTx, nic.bytesTx]).toEqual([1, 60]);
  });

  it('sends a full-size frame intact and aborts one over 1514 bytes', () => {
    const { drv, sent, nic } = openCard();
    const big = frameTo(PEER, 1514, 9);
    drv.transmit(big);
    expect(Array.from(sent[0] ?? [])).toEqual(Array.from(big));
    const isr = drv.transmit(frameTo(PEER, 1600, 2));
    expect(sent).toHaveLength(1);
    expect(isr & Isr.TXE).toBe(Isr.TXE);
    expect(drv.inb(EN0_TSR) & Tsr.ABT).toBe(Tsr.ABT);
    expect(nic.txErrors).toBe(1);
  });

  it('does not transmit while stopped', () => {
    const { drv, sent } = openCard();
    drv.blockOutput(frameTo(PEER, 60, 1), 0x40);
    drv.outb(CMD, E8390_NODMA | E8390_STOP);
    drv.outb(EN0_TCNTLO, 60);
    drv.outb(CMD, E8390_NODMA | E8390_TRANS | E8390_STOP);
    expect(sent).toHaveLength(0);
  });

  it('loops a frame back into its own ring in loopback mode, and takes nothing from the wire', () => {
    const { drv, sent, nic } = openCard();
    drv.outb(EN0_TXCR, E8390_TXOFF); // internal loopback
    expect(nic.receive(frameTo(MAC, 100, 3))).toBe(false);
    const self = frameTo(MAC, 80, 4, MAC);
    drv.transmit(self);
    expect(sent).toHaveLength(0);
    const got = drv.receiveAll();
    expect(got.map((g) => Array.from(g.data))).toEqual([Array.from(self)]);
  });
});

describe('NE2000 reception (§7.0)', () => {
  it('stores frames behind {RSR, next, count} headers that Linux follows across the ring wrap', () => {
    const { drv, nic } = openCard();
    const sizes = [60, 1514, 300, 1000, 1514, 61, 255, 256, 512, 1514];
    const sentFrames: Uint8Array[] = [];
    const got: RxFrame[] = [];
    let wrapped = false;
    for (let round = 0; round < 6; round++) {
      for (const [i, n] of sizes.entries()) {
        const f = frameTo(MAC, n, round * 100 + i);
        // Three frames per drain keeps the ring from filling.
        if (nic.receive(f)) sentFrames.push(f);
        if (i % 3 === 2) {
          const batch = drv.receiveAll();
          for (const b of batch) {
            const pages = Math.ceil((4 + b.data.length + 4) / 256);
            if (b.page + pages > drv.stopPage) wrapped = true;
          }
          got.push(...batch);
        }
      }
    }
    got.push(...drv.receiveAll());
    expect(sentFrames).toHaveLength(sizes.length * 6);
    expect(drv.rxErrors).toBe(0);
    expect(got.map((g) => Array.from(g.data))).toEqual(sentFrames.map((f) => Array.from(f)));
    expect(got.every((g) => g.status === Rsr.PRX)).toBe(true);
    expect(wrapped).toBe(true);
    expect([nic.framesRx, nic.rxDropped]).toEqual([sentFrames.length, 0]);
  });

  it('counts the frame plus 4 in the header and stores the FCS after the frame', () => {
    const { drv, nic } = openCard();
    const f = frameTo(MAC, 100, 5);
    nic.receive(f);
    const raw = drv.blockInput(4 + 100 + 4, drv.rxStartPage << 8);
    expect(raw[0]).toBe(Rsr.PRX);
    expect(raw[1]).toBe(drv.rxStartPage + 1);
    expect((raw[2] as number) | ((raw[3] as number) << 8)).toBe(104);
    const fcs = crc32(f);
    expect(Array.from(raw.subarray(104))).toEqual([0, 8, 16, 24].map((s) => (fcs >>> s) & 0xff));
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
    expect(drv.inb(EN1_CURPAG)).toBe(drv.rxStartPage + 1);
  });

  it('pads a runt to 60 bytes', () => {
    const { drv, nic } = openCard();
    nic.receive(frameTo(MAC, 20, 1));
    const [g] = drv.receiveAll();
    expect(g?.data.length).toBe(60);
    expect(Array.from(g?.data.subarray(20) ?? [])).toEqual(new Array(40).fill(0));
  });

  it('drops and counts on ring overflow with OVW, RXE and CNTR2, keeping what the ring holds', () => {
    const { drv, nic, line } = openCard();
    // 52-page ring (0x4C–0x7F), BNRY = 0x7F: 51 free pages; a 1514-byte frame
    // needs 6 and may not use the last free one, so 8 fit (51 − 8·6 = 3 < 7).
    const frames = Array.from({ length: 10 }, (_, i) => frameTo(MAC, 1514, i));
    const accepted = frames.map((f) => nic.receive(f));
    expect(accepted).toEqual([true, true, true, true, true, true, true, true, false, false]);
    expect(drv.inb(EN0_ISR) & (Isr.OVW | Isr.RXE)).toBe(Isr.OVW | Isr.RXE);
    expect(line()).toBe(true);
    expect(drv.inb(EN0_RSR) & Rsr.MPA).toBe(Rsr.MPA);
    expect(nic.rxDropped).toBe(2);
    expect(drv.inb(EN0_COUNTER2)).toBe(2);
    expect(drv.inb(EN0_COUNTER2)).toBe(0); // cleared by the read
    const got = drv.receiveAll();
    expect(got.map((g) => Array.from(g.data))).toEqual(
      frames.slice(0, 8).map((f) => Array.from(f)),
    );
    drv.outb(EN0_ISR, Isr.OVW);
    expect(line()).toBe(false);
    expect(nic.receive(frames[9] as Uint8Array)).toBe(true);
  });

  it.each([
    ['BNRY = CURR (an empty ring in the BNRY-is-next-unread convention)', 0, 1, true],
    ['one free page: a frame may not fill the ring up to BNRY', 1, 1, false],
    ['two free pages, a one-page frame', 2, 1, true],
    ['three free pages, a three-page frame', 3, 600, false],
    ['four free pages, a three-page frame', 4, 600, true],
  ])('%s', (_n, gap, len, ok) => {
    const { drv, nic } = openCard();
    const curr = 0x50;
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
    drv.outb(EN1_CURPAG, curr);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0);
    drv.outb(EN0_BOUNDARY, curr + gap);
    expect(nic.receive(frameTo(MAC, Math.max(len, 60), 1))).toBe(ok);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
    const after = drv.inb(EN1_CURPAG);
    expect(after).toBe(ok ? curr + Math.ceil((len < 60 ? 68 : len + 8) / 256) : curr);
    if (ok && gap > 0) expect(after).not.toBe(curr + gap); // CURR never catches BNRY
  });

  it('serves a driver that keeps BNRY on the next unread page (BNRY = CURR when empty)', () => {
    const { drv, nic } = openCard();
    drv.outb(EN0_BOUNDARY, drv.rxStartPage); // CURR = PSTART too
    const frames = Array.from({ length: 30 }, (_, i) => frameTo(MAC, 60 + ((i * 97) % 1450), i));
    const got: number[][] = [];
    for (const f of frames) {
      expect(nic.receive(f)).toBe(true);
      drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
      const curr = drv.inb(EN1_CURPAG);
      drv.outb(CMD, E8390_NODMA | E8390_PAGE0);
      let bnry = drv.inb(EN0_BOUNDARY);
      while (bnry !== curr) {
        const h = drv.blockInput(4, bnry << 8);
        const count = (h[2] as number) | ((h[3] as number) << 8);
        got.push(Array.from(drv.blockInput(count - 4, (bnry << 8) + 4)));
        bnry = h[1] as number;
        drv.outb(EN0_BOUNDARY, bnry);
      }
    }
    expect(got).toEqual(frames.map((f) => Array.from(f)));
  });

  it('refuses frames while stopped without counting them as missed (§7.0)', () => {
    const { drv, nic } = openCard();
    drv.outb(CMD, E8390_NODMA | E8390_STOP);
    expect(nic.receive(frameTo(MAC, 64, 1))).toBe(false);
    expect(nic.rxDropped).toBe(1);
    drv.outb(CMD, E8390_NODMA | E8390_START);
    expect(drv.inb(EN0_COUNTER2)).toBe(0);
  });

  it('lets the remote DMA wrap from PSTOP to PSTART on a read of the ring', () => {
    const { drv, nic } = openCard();
    // Move CURR and BNRY to the ring's last page so the next frame wraps.
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1 | E8390_START);
    drv.outb(EN1_CURPAG, 0x7f);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0 | E8390_START);
    drv.outb(EN0_BOUNDARY, 0x7e);
    const f = frameTo(MAC, 600, 7);
    expect(nic.receive(f)).toBe(true);
    const [g] = drv.receiveAll();
    expect(g?.page).toBe(0x7f);
    expect(Array.from(g?.data ?? [])).toEqual(Array.from(f));
  });

  it('monitor mode checks and counts but buffers nothing; CNT at 128, counters stop at 192', () => {
    const { drv, nic } = openCard(Rcr.AB | Rcr.MON);
    for (let i = 0; i < 127; i++) nic.receive(frameTo(MAC, 64, i));
    expect(drv.inb(EN0_ISR) & Isr.CNT).toBe(0);
    nic.receive(frameTo(MAC, 64, 0));
    expect(drv.inb(EN0_ISR) & Isr.CNT).toBe(Isr.CNT);
    expect(drv.inb(EN0_RSR) & (Rsr.MPA | Rsr.DIS)).toBe(Rsr.MPA | Rsr.DIS);
    for (let i = 0; i < 100; i++) nic.receive(frameTo(MAC, 64, i));
    expect(drv.inb(EN0_COUNTER2)).toBe(192);
    expect(drv.receiveAll()).toEqual([]);
  });
});

describe('NE2000 interrupt line: (ISR & IMR & 7FH) != 0', () => {
  it.each([
    ['PRX by a received frame', Isr.PRX, (n: Ne2000) => n.receive(frameTo(MAC, 64, 1))],
    [
      'RDC by a zero-count remote read',
      Isr.RDC,
      (n: Ne2000) => n.write(BASE + CMD, 1, E8390_RREAD | E8390_START),
    ],
    [
      'OVW by a frame too large for the ring',
      Isr.OVW,
      (n: Ne2000) => {
        n.write(BASE + CMD, 1, E8390_NODMA | E8390_START);
        n.write(BASE + EN0_BOUNDARY, 1, 0x4d); // one free page
        return n.receive(frameTo(MAC, 600, 1));
      },
    ],
  ])('%s raises it only when unmasked; writing 1 to the bit lowers it', (_n, bit, cause) => {
    const { drv, nic, irq } = openCard();
    drv.outb(EN0_IMR, 0);
    drv.outb(EN0_ISR, 0xff);
    cause(nic);
    expect(drv.inb(EN0_ISR) & bit).toBe(bit);
    expect(irq.at(-1) ?? false).toBe(false);
    drv.outb(EN0_IMR, bit);
    expect(irq.at(-1)).toBe(true);
    drv.outb(EN0_ISR, ~bit & 0x7f); // other bits: line stays up
    expect(irq.at(-1)).toBe(true);
    drv.outb(EN0_ISR, bit);
    expect(irq.at(-1)).toBe(false);
    expect(drv.inb(EN0_ISR) & bit).toBe(0);
  });

  it('ignores ISR.RST (IMR has no bit 7) and reports only level changes', () => {
    const { drv, irq } = rig();
    drv.outb(NE_RESET, 0);
    drv.outb(EN0_IMR, 0xff);
    expect(drv.inb(EN0_ISR)).toBe(Isr.RST);
    expect(irq).toEqual([]);
    drv.outb(CMD, E8390_NODMA | E8390_START);
    drv.outb(EN0_IMR, 0x7f);
    drv.outb(EN0_RCNTLO, 0);
    drv.outb(CMD, E8390_RREAD | E8390_START); // RDC
    drv.outb(CMD, E8390_RREAD | E8390_START); // RDC again: no change
    drv.outb(EN0_ISR, Isr.RDC);
    expect(irq).toEqual([true, false]);
  });
});

describe('NE2000 address filter (§10.3 RCR, §10.6 MAR)', () => {
  const mcast = parseMac('01:00:5e:00:00:fb');
  const otherMcast = parseMac('01:00:5e:7f:12:34');
  const bcast = parseMac('ff:ff:ff:ff:ff:ff');
  const other = parseMac('00:16:3e:99:99:99');

  it.each([
    ['unicast to PAR', E8390_RXCONFIG, MAC, true],
    ['unicast to another station', E8390_RXCONFIG, other, false],
    ['broadcast with AB', Rcr.AB, bcast, true],
    ['broadcast without AB', 0, bcast, false],
    ['multicast with AM, its hash bit set', Rcr.AM, mcast, true],
    ['multicast with AM, another hash bit set', Rcr.AM, otherMcast, false],
    ['multicast without AM', Rcr.AB, mcast, false],
    ['unicast to another station with PRO', Rcr.PRO, other, true],
    ['multicast with PRO but not AM', Rcr.PRO, mcast, false],
  ] as const)('%s → %s', (_n, rcr, dest, ok) => {
    const { drv, nic } = openCard(rcr);
    // Only the hash bit of `mcast` is set.
    const bit = hashBit(mcast);
    expect(hashBit(otherMcast)).not.toBe(bit);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
    for (let i = 0; i < 8; i++) drv.outb(EN1_MULT + i, i === bit >> 3 ? 1 << (bit & 7) : 0);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0);
    expect(nic.receive(frameTo(dest, 64, 1))).toBe(ok);
    expect(nic.rxFiltered).toBe(ok ? 0 : 1);
    const got = drv.receiveAll();
    expect(got).toHaveLength(ok ? 1 : 0);
    if (ok) expect(got[0]?.status).toBe(Rsr.PRX | (dest[0] === 0 ? 0 : Rsr.PHY));
  });

  it('matches PAR as programmed, not the PROM', () => {
    const { drv, nic } = rig();
    drv.probe();
    const newMac = parseMac('02:00:00:00:00:42');
    drv.init(newMac);
    expect(nic.receive(frameTo(MAC, 64, 1))).toBe(false);
    expect(nic.receive(frameTo(newMac, 64, 2))).toBe(true);
  });
});

describe('NE2000 save / restore', () => {
  it('continues identically after a JSON round trip taken mid remote DMA', () => {
    const a = openCard();
    for (let i = 0; i < 3; i++) a.nic.receive(frameTo(MAC, 200 + 300 * i, i));
    a.drv.transmit(frameTo(PEER, 100, 1));
    // Stop half-way through reading the first header.
    a.drv.outb(EN0_RCNTLO, 4);
    a.drv.outb(EN0_RCNTHI, 0);
    a.drv.outb(EN0_RSARLO, 0);
    a.drv.outb(EN0_RSARHI, a.drv.rxStartPage);
    a.drv.outb(CMD, E8390_RREAD | E8390_START);
    const firstWord = a.nic.read(BASE + NE_DATAPORT, 2);
    const saved = JSON.parse(JSON.stringify(a.nic.saveState())) as Ne2000State;

    const b = rig();
    b.nic.restoreState(saved);
    b.drv.wordLength = 2;
    expect(b.nic.saveState()).toEqual(a.nic.saveState());
    expect(b.nic.interruptLevel).toBe(a.nic.interruptLevel);
    for (const side of [a, b]) {
      expect(side.nic.read(BASE + NE_DATAPORT, 2)).toBe(204); // the first frame's count: 200 + 4
    }
    expect(firstWord).toBe(Rsr.PRX | ((a.drv.rxStartPage + 1) << 8));
    for (const side of [a, b]) {
      side.drv.outb(EN0_ISR, Isr.RDC);
      side.nic.receive(frameTo(MAC, 1514, 9));
      side.drv.transmit(frameTo(PEER, 70, 3));
    }
    expect(b.drv.receiveAll().map((f) => Array.from(f.data))).toEqual(
      a.drv.receiveAll().map((f) => Array.from(f.data)),
    );
    expect(b.sent.map((f) => Array.from(f))).toEqual(a.sent.slice(1).map((f) => Array.from(f)));
    expect(b.nic.saveState()).toEqual(a.nic.saveState());
    expect([b.nic.framesRx, b.nic.framesTx]).toEqual([4, 2]);
  });
});

describe('NE2000 on the guest bus', () => {
  it('registers ports 0x300–0x31F in the ISA window and a WiredDevice resets it to power-on', () => {
    const { nic, sent } = rig();
    const wired = new WiredDevice('ne2000', nic, isaDtbDevice('ne2000'));
    expect(wired.dtb).toMatchObject({ name: 'ethernet', base: ISA_IO_BASE + 0x300, size: 0x20 });
    const reg = new IoreqRegistry();
    for (const s of wired.ioreqs) reg.register(s, () => null);
    const claim = reg.find(ISA_IO_BASE + 0x31f, 1);
    if (!claim) throw new Error('NE2000 not claimed');
    expect(reg.find(ISA_IO_BASE + 0x320, 1)).toBeUndefined();
    IoreqRegistry.write(claim, ISA_IO_BASE + BASE + CMD, 1, E8390_NODMA | E8390_START);
    IoreqRegistry.write(claim, ISA_IO_BASE + BASE + EN0_TCNTLO, 1, 60);
    IoreqRegistry.write(
      claim,
      ISA_IO_BASE + BASE + CMD,
      1,
      E8390_NODMA | E8390_TRANS | E8390_START,
    );
    expect(sent).toHaveLength(1);
    expect(IoreqRegistry.read(claim, ISA_IO_BASE + BASE + CMD, 1)).toBe(Cr.STA | Cr.RD2);
    expect(wired.accesses).toBe(4);
    wired.reset();
    expect(nic.read(BASE + CMD, 1)).toBe(Cr.STP | Cr.RD2);
    expect(wired.accesses).toBe(1);
  });

  it('works in byte mode and with 68000 byte order too', () => {
    const { drv, nic, sent } = rig();
    drv.probe();
    drv.wordLength = 1;
    drv.init(MAC);
    const f = frameTo(MAC, 99, 4);
    expect(nic.receive(f)).toBe(true);
    expect(Array.from(drv.receiveAll()[0]?.data ?? [])).toEqual(Array.from(f));
    drv.transmit(frameTo(PEER, 77, 5));
    expect(Array.from(sent[0]?.subarray(0, 77) ?? [])).toEqual(Array.from(frameTo(PEER, 77, 5)));
    // BOS: the byte at the even address is the high byte of the word.
    drv.outb(EN0_DCFG, 0x4b);
    drv.outb(EN0_RCNTLO, 2);
    drv.outb(EN0_RSARLO, 0);
    drv.outb(EN0_RSARHI, 0x50);
    drv.outb(CMD, E8390_RWRITE | E8390_START);
    nic.write(BASE + NE_DATAPORT, 2, 0x1234);
    drv.outb(EN0_RCNTLO, 2);
    drv.outb(CMD, E8390_RREAD | E8390_START);
    drv.outb(EN0_RSARLO, 0);
    drv.outb(EN0_RSARHI, 0x50);
    drv.outb(CMD, E8390_RREAD | E8390_START);
    expect(nic.read(BASE + NE_DATAPORT, 2)).toBe(0x1234);
    drv.outb(EN0_DCFG, 0x48);
    expect(Array.from(drv.blockInput(2, 0x5000))).toEqual([0x12, 0x34]);
  });
});

describe('NE2000 under hostile accesses', () => {
  it('maps only the PROM and 4000H–7FFFH: other addresses read FFH and ignore writes', () => {
    const { drv } = openCard();
    for (const [addr, bytes] of [
      [0x4000, [9, 10]],
      [0x0000, [0xde, 0xad]],
      [0x0020, [1, 2]],
      [0x3ffe, [3, 4]],
      [0x8000, [5, 6]],
      [0xfffe, [7, 8]],
    ] as const) {
      drv.outb(EN0_RCNTLO, 2);
      drv.outb(EN0_RSARLO, addr & 0xff);
      drv.outb(EN0_RSARHI, addr >> 8);
      drv.outb(CMD, E8390_RWRITE | E8390_START);
      drv.nic.write(BASE + NE_DATAPORT, 2, bytes[0] | (bytes[1] << 8));
      const back = drv.blockInput(2, addr);
      const expected = addr === 0x4000 ? bytes : addr === 0 ? [MAC[0], MAC[0]] : [0xff, 0xff];
      expect(Array.from(back)).toEqual(expected);
    }
  });

  it('survives PSTART > PSTOP, CURR outside the ring and a huge TBCR', () => {
    const { drv, nic, sent } = openCard();
    drv.outb(EN0_STARTPG, 0x70);
    drv.outb(EN0_STOPPG, 0x50);
    expect(nic.receive(frameTo(MAC, 64, 1))).toBe(false);
    drv.outb(EN0_STARTPG, 0x60);
    drv.outb(EN0_STOPPG, 0x70);
    drv.outb(EN0_BOUNDARY, 0x6f);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE1);
    drv.outb(EN1_CURPAG, 0xf0);
    drv.outb(CMD, E8390_NODMA | E8390_PAGE0);
    expect(nic.receive(frameTo(MAC, 64, 2))).toBe(true);
    expect(drv.blockInput(1, 0x6000)[0]).toBe(Rsr.PRX); // stored from PSTART
    drv.outb(EN0_TCNTLO, 0xff);
    drv.outb(EN0_TCNTHI, 0xff);
    drv.outb(CMD, E8390_NODMA | E8390_TRANS | E8390_START);
    expect(sent).toHaveLength(0);
  });

  it('never throws and keeps every register and the PROM in range under random accesses', () => {
    const { nic, drv } = openCard();
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const sizes = [1, 2, 4] as const;
    for (let i = 0; i < 50_000; i++) {
      const off = rand(0x20);
      const size = sizes[rand(3)] ?? 1;
      const sz = off + size <= 0x20 ? size : 1;
      if (rand(2)) nic.write(BASE + off, sz, rand(0x100_0000) * 256 + rand(256));
      else nic.read(BASE + off, sz);
      if (rand(50) === 0)
        nic.receive(frameTo(rand(2) ? MAC : parseMac('ff:ff:ff:ff:ff:ff'), 14 + rand(1600), i));
    }
    const s = nic.saveState();
    expect(s.ram).toHaveLength(0x4000);
    for (const k of ['cr', 'isr', 'imr', 'pstart', 'pstop', 'bnry', 'curr'] as const)
      expect(s[k]).toBeLessThan(256);
    for (const k of ['rsar', 'rbcr', 'tbcr', 'clda'] as const) expect(s[k]).toBeLessThan(0x10000);
    // The PROM is still intact.
    drv.outb(NE_RESET, 0);
    drv.outb(EN0_DCFG, 0x48);
    const prom = drv.blockInput(32, 0);
    expect(Array.from(prom.subarray(0, 12))).toEqual([...MAC].flatMap((b) => [b, b]));
    expect(Array.from(prom.subarray(28))).toEqual([0x57, 0x57, 0x57, 0x57]);
  });
});
