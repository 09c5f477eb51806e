/**
 * The National Semiconductor DP8390D/NS32490D NIC core as the NE2000 board
 * wires it: register addresses, bit names and the board's memory map.
 * Section numbers are those of the DP8390D/NS32490D datasheet (July 1995):
 * §10.1 register address map, §10.3 register descriptions, §7.0 packet
 * reception, §8.0 transmission, §9.0 remote DMA, §11.0 initialization.
 */

/** Command Register (CR, offset 00H on every page), §10.3. */
export const Cr = {
  /** Stop: software reset, the NIC goes offline. Set at power-on. */
  STP: 0x01,
  /** Start: activate the NIC after power-up or a stop. */
  STA: 0x02,
  /** Transmit packet; cleared by the NIC when the transmission completes or aborts. */
  TXP: 0x04,
  RD0: 0x08,
  RD1: 0x10,
  /** Abort/complete remote DMA. Set at power-on. */
  RD2: 0x20,
  PS0: 0x40,
  PS1: 0x80,
} as const;

export const CR_RD_SHIFT = 3;
export const CR_RD_MASK = 0x38;
export const CR_PS_SHIFT = 6;

/** Remote DMA command (CR.RD2–RD0), §10.3. */
export const RemoteDmaCommand = {
  NOT_ALLOWED: 0,
  REMOTE_READ: 1,
  REMOTE_WRITE: 2,
  SEND_PACKET: 3,
  /** 1xx: abort or complete remote DMA. */
  ABORT: 4,
} as const;

/** Interrupt Status Register (ISR, page 0 07H), §10.3. Bits 0–6 are write-1-to-clear. */
export const Isr = {
  /** Packet received with no errors. */
  PRX: 0x01,
  /** Packet transmitted with no errors. */
  PTX: 0x02,
  /** Receive error: CRC, frame alignment or missed packet. */
  RXE: 0x04,
  /** Transmit aborted (excessive collisions). */
  TXE: 0x08,
  /** Receive buffer ring exhausted. */
  OVW: 0x10,
  /** The MSB of one or more tally counters is set. */
  CNT: 0x20,
  /** Remote DMA complete. */
  RDC: 0x40,
  /** The NIC is in the reset state (or the ring overflowed); writes do not touch it. */
  RST: 0x80,
} as const;

/** The ISR bits the IMR can enable and a write can clear (IMR has no bit 7), §10.3. */
export const ISR_INTERRUPT_MASK = 0x7f;

/** Data Configuration Register (DCR, page 0 0EH write), §10.3. */
export const Dcr = {
  /** Word transfer select: 1 = 16-bit remote DMA (word mode). */
  WTS: 0x01,
  /** Byte order select: 1 = the first byte of a word on AD15–8 (68000 order). */
  BOS: 0x02,
  LAS: 0x04,
  /** Loopback select: 0 = loopback mode, 1 = normal operation. */
  LS: 0x08,
  AR: 0x10,
  FT0: 0x20,
  FT1: 0x40,
} as const;

/** Transmit Configuration Register (TCR, page 0 0DH write), §10.3. */
export const Tcr = {
  /** Inhibit CRC: the host has appended the FCS itself. */
  CRC: 0x01,
  LB0: 0x02,
  LB1: 0x04,
  ATD: 0x08,
  OFST: 0x10,
} as const;

/** TCR.LB1–LB0: 00 normal, 01 internal (NIC) loopback, 10 ENDEC, 11 external (§12.0). */
export const TCR_LOOPBACK_MASK = Tcr.LB0 | Tcr.LB1;

/** Receive Configuration Register (RCR, page 0 0CH write), §10.3. */
export const Rcr = {
  /** Save errored packets. */
  SEP: 0x01,
  /** Accept runt packets. */
  AR: 0x02,
  /** Accept broadcast. */
  AB: 0x04,
  /** Accept multicast (through the MAR hash filter). */
  AM: 0x08,
  /** Promiscuous physical: accept every physical (unicast) destination. */
  PRO: 0x10,
  /** Monitor: check addresses and count, but buffer nothing. */
  MON: 0x20,
} as const;

/** Transmit Status Register (TSR, page 0 04H read), §10.3. */
export const Tsr = {
  PTX: 0x01,
  COL: 0x04,
  ABT: 0x08,
  CRS: 0x10,
  FU: 0x20,
  CDH: 0x40,
  OWC: 0x80,
} as const;

/** Receive Status Register (RSR, page 0 0CH read; also byte 0 of each ring header), §10.3. */
export const Rsr = {
  PRX: 0x01,
  CRC: 0x02,
  FAE: 0x04,
  FO: 0x08,
  /** Missed packet: no buffer, or monitor mode. Counts in CNTR2. */
  MPA: 0x10,
  /** 0 = physical address match, 1 = multicast or broadcast. */
  PHY: 0x20,
  /** Receiver disabled (monitor mode). */
  DIS: 0x40,
  DFR: 0x80,
} as const;

/** Page 0 offsets (§10.1): names where read and write registers share an address differ. */
export const P0 = {
  CR: 0x00,
  CLDA0_PSTART: 0x01,
  CLDA1_PSTOP: 0x02,
  BNRY: 0x03,
  TSR_TPSR: 0x04,
  NCR_TBCR0: 0x05,
  FIFO_TBCR1: 0x06,
  ISR: 0x07,
  CRDA0_RSAR0: 0x08,
  CRDA1_RSAR1: 0x09,
  RBCR0: 0x0a,
  RBCR1: 0x0b,
  RSR_RCR: 0x0c,
  CNTR0_TCR: 0x0d,
  CNTR1_DCR: 0x0e,
  CNTR2_IMR: 0x0f,
} as const;

/** Page 1 offsets (§10.1): all read/write. */
export const P1 = {
  PAR0: 0x01,
  CURR: 0x07,
  MAR0: 0x08,
} as const;

/** Page 2 offsets (§10.1): diagnostic read-back of the page 0 configuration. */
export const P2 = {
  PSTART_CLDA0: 0x01,
  PSTOP_CLDA1: 0x02,
  RNPP: 0x03,
  TPSR: 0x04,
  LNPP: 0x05,
  ADDR_UPPER: 0x06,
  ADDR_LOWER: 0x07,
  RCR: 0x0c,
  TCR: 0x0d,
  DCR: 0x0e,
  IMR: 0x0f,
} as const;

/**
 * The register address map, §10.1: [read name, write name] per page and
 * offset 01H–0FH (offset 00H is CR on every page). Reserved addresses are
 * null; page 3 is reserved on the DP8390 (its clones put test registers there).
 */
const PAGE_MAP: readonly (readonly (readonly [string | null, string | null])[])[] = [
  [
    ['CLDA0', 'PSTART'],
    ['CLDA1', 'PSTOP'],
    ['BNRY', 'BNRY'],
    ['TSR', 'TPSR'],
    ['NCR', 'TBCR0'],
    ['FIFO', 'TBCR1'],
    ['ISR', 'ISR'],
    ['CRDA0', 'RSAR0'],
    ['CRDA1', 'RSAR1'],
    [null, 'RBCR0'],
    [null, 'RBCR1'],
    ['RSR', 'RCR'],
    ['CNTR0', 'TCR'],
    ['CNTR1', 'DCR'],
    ['CNTR2', 'IMR'],
  ],
  [
    ['PAR0', 'PAR0'],
    ['PAR1', 'PAR1'],
    ['PAR2', 'PAR2'],
    ['PAR3', 'PAR3'],
    ['PAR4', 'PAR4'],
    ['PAR5', 'PAR5'],
    ['CURR', 'CURR'],
    ['MAR0', 'MAR0'],
    ['MAR1', 'MAR1'],
    ['MAR2', 'MAR2'],
    ['MAR3', 'MAR3'],
    ['MAR4', 'MAR4'],
    ['MAR5', 'MAR5'],
    ['MAR6', 'MAR6'],
    ['MAR7', 'MAR7'],
  ],
  [
    ['PSTART', 'CLDA0'],
    ['PSTOP', 'CLDA1'],
    ['RNPP', 'RNPP'],
    ['TPSR', null],
    ['LNPP', 'LNPP'],
    ['ADDR_UPPER', 'ADDR_UPPER'],
    ['ADDR_LOWER', 'ADDR_LOWER'],
    [null, null],
    [null, null],
    [null, null],
    [null, null],
    ['RCR', null],
    ['TCR', null],
    ['DCR', null],
    ['IMR', null],
  ],
];

/** Counter name for accesses nobody decodes (reserved offsets, page 3). */
export const RESERVED_REGISTER = 'reserved';

/** The datasheet name of the register at `offset` (0–0FH) of `page` for a read or a write. */
export function dp8390RegisterName(page: number, offset: number, write: boolean): string {
  if (offset === P0.CR) return 'CR';
  const entry = PAGE_MAP[page]?.[offset - 1];
  return (entry ? entry[write ? 1 : 0] : null) ?? RESERVED_REGISTER;
}

/** Every register name dp8390RegisterName can return. */
export const DP8390_REGISTER_NAMES: readonly string[] = [
  ...new Set([
    'CR',
    ...PAGE_MAP.flatMap((p) => p.flatMap(([r, w]) => [r, w])).filter((n): n is string => !!n),
    RESERVED_REGISTER,
  ]),
];

/**
 * The NE2000 board around the NIC (Novell/Eagle NE2000; the behaviour QEMU's
 * hw/net/ne2000.c and every NE2000 clone driver assume): the NIC's registers
 * at offsets 00H–0FH, the data port of the board's remote-DMA gate at 10H
 * (the ASIC decodes 10H–17H), the reset port at 1FH (18H–1FH), and a 64 KiB
 * NIC address space holding the station address PROM at 0000H–001FH and
 * 16 KiB of buffer RAM at 4000H–7FFFH (pages 40H–7FH).
 */
export const Ne2000Board = {
  REGISTER_WINDOW: 0x20,
  DATA_PORT: 0x10,
  DATA_PORT_END: 0x17,
  RESET_PORT: 0x1f,
  RESET_PORT_START: 0x18,
  PROM_SIZE: 0x20,
  RAM_START: 0x4000,
  RAM_SIZE: 0x4000,
  /** PROM bytes 0EH/0FH (board offsets 1CH–1FH with each byte doubled): "WW" marks an NE2000. */
  PROM_SIGNATURE: 0x57,
} as const;

/** One receive/transmit buffer page, §7.0 (the DMA addresses pages as the high byte). */
export const DP8390_PAGE_SIZE = 256;

/** The receive header the NIC writes in front of each frame in the ring, §7.0. */
export const RX_HEADER_SIZE = 4;

/** The tally counters stop counting at 192 (C0H), §10.7 (the CNT interrupt comes at 128). */
export const TALLY_COUNTER_MAX = 0xc0;
