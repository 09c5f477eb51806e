import { decode, SINK_REGISTER } from './decoder';
import { Op, type OpId } from './op';

/**
 * The decode cache's slot format. Slots sit in one Int32Array per physical page (see
 * decode-cache.ts), a slot of SLOT_WORDS words for every halfword (an instruction may
 * start at any even address), so the slot of the instruction at byte offset `b` of its
 * page starts at word 2·b of the page's slots and the interpreter's cursor moves by
 * 2 × the instruction length:
 *
 *   word 0  op | rd << 8 | (length / 2) << 14 | rs1 << 16 | rs2 << 24
 *           (rd = x0 becomes SINK_REGISTER, so writes need no test for x0; bits 29–31
 *           stay 0, so rs2 is w >>> 24)
 *   word 1  immediate; for branches and JAL the offset is doubled (cursor units);
 *           for an illegal instruction the raw bits (the trap's tval)
 *   word 2, 3  only in a fused slot (fusion.ts)
 *
 * A compressed instruction gets its own op id where the interpreter handles it
 * itself (COMPRESSED_OPS), so each case knows its length as a constant: the cursor's
 * next value then does not wait for the slot to be loaded, and the host CPU's branch
 * prediction can run ahead. After the last slot of a page sits one REFETCH slot:
 * falling off the page end leaves the page and translates the next pc.
 */
export const SLOT_WORDS = 4;
/** Words of a page's slots: 2048 halfword slots plus the REFETCH slot at the end. */
export const PAGE_SLOT_WORDS = 2048 * SLOT_WORDS + SLOT_WORDS;
/** Cursor (relative to the page's first slot) of the REFETCH slot after its last halfword. */
export const PAGE_END_CURSOR = 2048 * SLOT_WORDS;

export const SLOT_RD_SHIFT = 8;
export const SLOT_STEP_SHIFT = 14;
export const SLOT_RS1_SHIFT = 16;
export const SLOT_RS2_SHIFT = 24;

/**
 * Slot operations that are not instructions, numbered after the last Op (decode/op.ts).
 * Like Op ids they appear as literals in the interpreter's switch.
 */
export const SlotOp = {
  /** Not decoded yet (a zeroed slot). */
  UNDECODED: 0,
  /** Leave the page: translate the next pc afresh. */
  REFETCH: 72,
  /** A 32-bit instruction in the page's last halfword: decoded afresh on every execution. */
  CROSSES_PAGE: 73,
} as const;

/** First id of the compressed forms: COMPRESSED_OPS[i] becomes COMPRESSED_BASE + i. */
export const COMPRESSED_BASE = 74;

/** The ops RVC instructions expand to (unprivileged ISA ch. 16) that get a compressed id. */
export const COMPRESSED_OPS: readonly OpId[] = [
  Op.LUI, // 74
  Op.JAL, // 75
  Op.JALR, // 76
  Op.BEQ, // 77
  Op.BNE, // 78
  Op.LW, // 79
  Op.SW, // 80
  Op.ADDI, // 81
  Op.ANDI, // 82
  Op.SLLI, // 83
  Op.SRLI, // 84
  Op.SRAI, // 85
  Op.ADD, // 86
  Op.SUB, // 87
  Op.XOR, // 88
  Op.OR, // 89
  Op.AND, // 90
];

const compressedId = new Int16Array(256).fill(-1);
COMPRESSED_OPS.forEach((op, i) => (compressedId[op] = COMPRESSED_BASE + i));

const plainOps = new Uint8Array(256).map((_, id) => id);
COMPRESSED_OPS.forEach((op, i) => (plainOps[COMPRESSED_BASE + i] = op));

/** The Op (decode/op.ts) of a slot op id: compressed ids map back to their op. */
export function plainOp(id: number): number {
  return plainOps[id & 0xff]!;
}

/** Cursor step (2 × length in bytes) of a slot's first word. */
export function slotStep(w: number): number {
  return (w >> 12) & 12;
}

/**
 * Decodes `raw` (the low 16 bits for a compressed instruction, else all 32) into the
 * first two words of the slot at out[at].
 */
export function encodeSlot(raw: number, out: Int32Array, at: number): void {
  const d = decode(raw);
  const rd = d.rd === 0 ? SINK_REGISTER : d.rd;
  const id = d.length === 2 && compressedId[d.op]! >= 0 ? compressedId[d.op]! : d.op;
  out[at] =
    id |
    (rd << SLOT_RD_SHIFT) |
    ((d.length >> 1) << SLOT_STEP_SHIFT) |
    (d.rs1 << SLOT_RS1_SHIFT) |
    (d.rs2 << SLOT_RS2_SHIFT);
  const relative = d.op === Op.JAL || (d.op >= Op.BEQ && d.op <= Op.BGEU);
  out[at + 1] = relative ? d.imm * 2 : d.imm;
}
