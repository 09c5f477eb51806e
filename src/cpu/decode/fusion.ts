import { Op, type OpId } from './op';
import { plainOp, slotStep, SLOT_RD_SHIFT, SLOT_RS1_SHIFT } from './slot';

/**
 * Superinstructions: pairs of adjacent instructions that compilers emit together
 * (loop counter + branch, scaled index + load, load + accumulate, …), executed by one
 * dispatch of the interpreter. A fused slot keeps the first instruction's fields in
 * words 0–1 (with the fused op id) and the second's in words 2–3 (see slot.ts), plus
 * the pair's length:
 *
 *   word 0  bits 21–23: (length of the pair) / 2, so its cursor step is (w >> 19) & 28
 *   word 3  for a pair ending in a branch or JAL: the taken cursor offset from the
 *           pair's start
 *
 * The interpreter retires both; when only one more instruction fits in the budget, or
 * the first needs the slow path (a TLB miss, MMIO), it leaves the slot to the slow
 * path, which runs the first alone. When the second needs the slow path, the first
 * has retired and the interpreter stops before the second. So instret, pc and traps
 * stay exact.
 *
 * Ids follow the compressed ids (slot.ts) and appear as literals in the interpreter.
 */
export const FusedOp = {
  /** lui rd, hi; addi rd, rd, lo — a 32-bit constant (`li`). */
  LUI_ADDI: 91,
  /** auipc rd, hi; addi rd, rd, lo — a pc-relative address (`la`). */
  AUIPC_ADDI: 92,
} as const;

/**
 * The other fused pairs, [first, second] by plain op, with ids from 93 in this order;
 * the interpreter executes the two instructions as written.
 */
export const FUSED_PAIRS: ReadonlyArray<readonly [OpId, OpId]> = [
  [Op.ADDI, Op.BEQ], // 93
  [Op.ADDI, Op.BNE], // 94
  [Op.ADDI, Op.BLT], // 95
  [Op.ADDI, Op.BGE], // 96
  [Op.ADDI, Op.BLTU], // 97
  [Op.ADDI, Op.BGEU], // 98
  [Op.ADD, Op.BEQ], // 99
  [Op.ADD, Op.BNE], // 100
  [Op.ADD, Op.BLT], // 101
  [Op.ADD, Op.BGE], // 102
  [Op.ADD, Op.BLTU], // 103
  [Op.ADD, Op.BGEU], // 104
  [Op.XOR, Op.BEQ], // 105
  [Op.XOR, Op.BNE], // 106
  [Op.ANDI, Op.BEQ], // 107
  [Op.ANDI, Op.BNE], // 108
  [Op.LW, Op.BEQ], // 109
  [Op.LW, Op.BNE], // 110
  [Op.LBU, Op.BEQ], // 111
  [Op.LBU, Op.BNE], // 112
  [Op.SLLI, Op.BEQ], // 113
  [Op.SLLI, Op.BNE], // 114
  [Op.SRLI, Op.BEQ], // 115
  [Op.SRLI, Op.BNE], // 116
  [Op.LW, Op.BLT], // 117
  [Op.LW, Op.BGE], // 118
  [Op.LW, Op.BLTU], // 119
  [Op.LW, Op.BGEU], // 120
  [Op.LBU, Op.BLT], // 121
  [Op.LBU, Op.BGE], // 122
  [Op.LBU, Op.BLTU], // 123
  [Op.LBU, Op.BGEU], // 124
  [Op.ADDI, Op.ADDI], // 125
  [Op.ADDI, Op.ADD], // 126
  [Op.ADDI, Op.SLLI], // 127
  [Op.ADDI, Op.XOR], // 128
  [Op.ADDI, Op.LW], // 129
  [Op.ADDI, Op.SW], // 130
  [Op.ADDI, Op.SB], // 131
  [Op.ADDI, Op.MUL], // 132
  [Op.ADD, Op.ADDI], // 133
  [Op.ADD, Op.ADD], // 134
  [Op.ADD, Op.LW], // 135
  [Op.ADD, Op.LBU], // 136
  [Op.ADD, Op.SW], // 137
  [Op.ADD, Op.SRLI], // 138
  [Op.SLLI, Op.ADD], // 139
  [Op.SLLI, Op.ADDI], // 140
  [Op.SRLI, Op.ADDI], // 141
  [Op.SRLI, Op.ANDI], // 142
  [Op.ANDI, Op.ADD], // 143
  [Op.ANDI, Op.ADDI], // 144
  [Op.XOR, Op.ANDI], // 145
  [Op.MUL, Op.ADD], // 146
  [Op.LW, Op.ADD], // 147
  [Op.LW, Op.ADDI], // 148
  [Op.LW, Op.LW], // 149
  [Op.LW, Op.SW], // 150
  [Op.LW, Op.XOR], // 151
  [Op.LW, Op.SLLI], // 152
  [Op.LBU, Op.ADDI], // 153
  [Op.LBU, Op.ANDI], // 154
  [Op.LBU, Op.SRLI], // 155
  [Op.SW, Op.SW], // 156
  [Op.SW, Op.ADDI], // 157
  [Op.SW, Op.LW], // 158
  [Op.SB, Op.ADD], // 159
  [Op.SB, Op.ADDI], // 160
  [Op.ADDI, Op.JAL], // 161
  [Op.ADD, Op.JAL], // 162
  [Op.ADDI, Op.JALR], // 163
  [Op.ADD, Op.JALR], // 164
  [Op.LW, Op.JALR], // 165
  [Op.LUI, Op.LW], // 166
  [Op.LUI, Op.SW], // 167
  [Op.AUIPC, Op.LW], // 168
  [Op.AUIPC, Op.SW], // 169
  [Op.SW, Op.BEQ], // 170
  [Op.SW, Op.BNE], // 171
  [Op.SW, Op.BLT], // 172
  [Op.SW, Op.BGE], // 173
  [Op.SW, Op.BLTU], // 174
  [Op.SW, Op.BGEU], // 175
  [Op.SB, Op.BEQ], // 176
  [Op.SB, Op.BNE], // 177
  [Op.ADDI, Op.LBU], // 178
  [Op.ADD, Op.SB], // 179
  [Op.LBU, Op.ADD], // 180
];

/** First id of FUSED_PAIRS. */
export const FIRST_PAIR_OP = 93;
/** Last fused id. */
export const LAST_FUSED_OP = FIRST_PAIR_OP + FUSED_PAIRS.length - 1;

export const FUSED_STEP_SHIFT = 21;

/** Second ops whose word 3 becomes the taken cursor offset from the pair's start. */
const RELATIVE: readonly number[] = [Op.JAL, Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];

const rd = (w: number): number => (w >> SLOT_RD_SHIFT) & 63;
const rs1 = (w: number): number => (w >> SLOT_RS1_SHIFT) & 31;
/** `op rd, rd, …` after a write to rd: the pair computes one value into one register. */
const chained = (a: number, b: number): boolean => rd(b) === rd(a) && rs1(b) === rd(a);

/** Fused id by (first op << 8 | second op). */
const pairIds = new Map<number, number>();
FUSED_PAIRS.forEach(([a, b], i) => pairIds.set((a << 8) | b, FIRST_PAIR_OP + i));
const firsts = new Set<number>([Op.LUI, Op.AUIPC, ...FUSED_PAIRS.map(([a]) => a)]);

/** Whether an instruction with this slot op id can start a fused pair. */
export function startsFusion(id: number): boolean {
  return firsts.has(plainOp(id));
}

/**
 * Fuses the pair in slot[at] (words 0–1: first instruction, words 2–3: second) if it
 * is one of the fused pairs. Returns whether it fused.
 */
export function fuseSlot(slot: Int32Array, at: number): boolean {
  const a = slot[at] ?? 0;
  const b = slot[at + 2] ?? 0;
  const first = plainOp(a);
  const second = plainOp(b);
  let id: number | undefined;
  let imm = slot[at + 1] ?? 0;
  if ((first === Op.LUI || first === Op.AUIPC) && second === Op.ADDI && chained(a, b)) {
    id = first === Op.LUI ? FusedOp.LUI_ADDI : FusedOp.AUIPC_ADDI;
    imm = (imm + (slot[at + 3] ?? 0)) | 0;
  } else {
    id = pairIds.get((first << 8) | second);
  }
  if (id === undefined) return false;
  const halves = (slotStep(a) + slotStep(b)) >> 2;
  slot[at] = (a & ~0xff) | id | (halves << FUSED_STEP_SHIFT);
  slot[at + 1] = imm;
  if (RELATIVE.includes(second)) slot[at + 3] = (slot[at + 3] ?? 0) + slotStep(a);
  return true;
}
