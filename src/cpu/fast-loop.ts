import { mulh, mulhsu, mulhu } from './mul-high';

/**
 * The interpreter's hot loop (used by Hart.run, hart.ts): the instructions guests spend
 * their time on, run from the decode cache (decode-cache.ts) with no calls, so that V8
 * keeps the loop's state in registers. Everything else — an undecoded slot, a TLB miss,
 * MMIO, a misaligned access, CSRs, system instructions, atomics, an instruction that
 * straddles pages — ends the loop at that instruction, which the hart then runs with
 * its full semantics.
 *
 * The loop walks the slots with an index `s`: the current page's slots start at `cb`,
 * so pc = base + (s - cb) / 2; falling through adds the instruction's length (a
 * constant in each case, see decode/slot.ts), a taken branch its (doubled) offset. A
 * transfer out of the page translates its target with the TLB's fetch tag right away;
 * falling off the page's end goes through its REFETCH slot, which does the same.
 *
 * Case labels are literal op ids (decode/op.ts, decode/slot.ts, decode/fusion.ts) so
 * that the switch is a jump table, and the working-set layout (decode-cache.ts) appears
 * as literals too: registers at 0–32, the TLB set of privilege p at 64 + 1024·p
 * (tlb.ts: tags for read, write, fetch, then the page's RAM offset), pageBase at 4160,
 * and three spare register words for the loop's own state: 48 (pc in and out; inside,
 * the target of a transfer out of the page, or 1), 49 (cb) and 50 (base). Keeping cb
 * and base in memory rather than in locals measurably helps: fewer values live across
 * the switch means fewer spills on every dispatch.
 *
 * A fused pair's case (decode/fusion.ts) is its two instructions' cases in a row, the
 * second reading its fields from slot words 2–3, and retiring both; with only one
 * instruction left in the budget it leaves the pair to the slow path, and when the
 * second needs the slow path the first has retired and the loop stops before the
 * second. test/cpu/decode/fusion.test.ts runs every pair against the slow path.
 */

/** The arrays the loop works on. */
export interface FastLoopMemory {
  /** The decode cache's working-set array. */
  readonly code: Int32Array;
  /** Index of the cache's lone REFETCH slot. */
  readonly entrySlot: number;
  /** Views of RAM. */
  readonly ram: Uint8Array;
  readonly ram16: Int16Array;
  readonly ramU16: Uint16Array;
  readonly ram32: Int32Array;
}

/** Word of the working set that carries pc in and out of runFastLoop. */
export const PC_WORD = 48;

/**
 * Retires up to `limit` (< 2^30) instructions from pc = code[PC_WORD], fetching as
 * privilege `fetchPriv` and accessing data as `dataPriv`; returns how many retired and
 * leaves the pc of the next instruction in code[PC_WORD].
 */
export function runFastLoop(
  m: FastLoopMemory,
  limit: number,
  fetchPriv: number,
  dataPriv: number,
): number {
  // Instructions still allowed; the loop counts down to 0.
  let left = limit | 0;
  const code = m.code;
  const ram = m.ram;
  const ram16 = m.ram16;
  const ramU16 = m.ramU16;
  const ram32 = m.ram32;
  const it = 64 + fetchPriv * 1024;
  const dt = 64 + dataPriv * 1024;
  // Starting at the lone REFETCH slot with word 48 = pc enters pc's page, setting
  // words 49 (cb) and 50 (base).
  code[49] = 0;
  code[50] = 0;
  let s: number = m.entrySlot | 0;
  loop: for (;;) {
    if (left === 0) break;
    const w = code[s]!;
    switch (w & 0xff) {
      case 2: {
        // LUI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = imm;
        s = (s + 8) | 0;
        break;
      }
      case 3: {
        // AUIPC
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]!) >> 1) + imm) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 4: {
        // JAL
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]! + 8) >> 1)) | 0;
        s = (s + imm) | 0;
        if ((s - code[49]!) >>> 0 >= 8192) {
          const target: number = (code[50]! + ((s - code[49]!) >> 1)) | 0;
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 5: {
        // JALR: target bit 0 cleared; with C there is no misaligned target (§2.5)
        const imm = code[s | 1]!;
        const target: number = (code[(w >> 16) & 31]! + imm) & -2;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]! + 8) >> 1)) | 0;
        const d = (target - code[50]!) | 0;
        if (d >>> 0 < 4096) {
          s = code[49]! + (d << 1);
        } else {
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 6: {
        // BEQ
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! === code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 7: {
        // BNE
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! !== code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 8: {
        // BLT
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! < code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 9: {
        // BGE
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! >= code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 10: {
        // BLTU
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! >>> 0 < code[w >>> 24]! >>> 0) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 11: {
        // BGEU
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! >>> 0 >= code[w >>> 24]! >>> 0) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 8) | 0;
        break;
      }
      case 12: {
        // LB
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = (ram[(code[e | 3]! + (va & 0xfff)) | 0]! << 24) >> 24;
        s = (s + 8) | 0;
        break;
      }
      case 13: {
        // LH
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 1) !== 0) break loop;
        code[(w >> 8) & 63] = ram16[(code[e | 3]! + (va & 0xfff)) >> 1]!;
        s = (s + 8) | 0;
        break;
      }
      case 14: {
        // LW
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        s = (s + 8) | 0;
        break;
      }
      case 15: {
        // LBU
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        s = (s + 8) | 0;
        break;
      }
      case 16: {
        // LHU
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 1) !== 0) break loop;
        code[(w >> 8) & 63] = ramU16[(code[e | 3]! + (va & 0xfff)) >> 1]!;
        s = (s + 8) | 0;
        break;
      }
      case 17: {
        // SB
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram[o] = code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      }
      case 18: {
        // SH
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 1) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram16[o >> 1] = code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      }
      case 19: {
        // SW
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      }
      case 20: {
        // ADDI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 21: {
        // SLTI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! < imm ? 1 : 0;
        s = (s + 8) | 0;
        break;
      }
      case 22: {
        // SLTIU: the sign-extended immediate compared as unsigned
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> 0 < imm >>> 0 ? 1 : 0;
        s = (s + 8) | 0;
        break;
      }
      case 23: {
        // XORI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ imm;
        s = (s + 8) | 0;
        break;
      }
      case 24: {
        // ORI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! | imm;
        s = (s + 8) | 0;
        break;
      }
      case 25: {
        // ANDI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        s = (s + 8) | 0;
        break;
      }
      case 26: {
        // SLLI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        s = (s + 8) | 0;
        break;
      }
      case 27: {
        // SRLI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        s = (s + 8) | 0;
        break;
      }
      case 28: {
        // SRAI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >> imm;
        s = (s + 8) | 0;
        break;
      }
      case 29: // ADD
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        s = (s + 8) | 0;
        break;
      case 30: // SUB
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! - code[w >>> 24]!) | 0;
        s = (s + 8) | 0;
        break;
      case 31: // SLL: shift amounts are rs2[4:0]
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << (code[w >>> 24]! & 31);
        s = (s + 8) | 0;
        break;
      case 32: // SLT
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! < code[w >>> 24]! ? 1 : 0;
        s = (s + 8) | 0;
        break;
      case 33: // SLTU
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> 0 < code[w >>> 24]! >>> 0 ? 1 : 0;
        s = (s + 8) | 0;
        break;
      case 34: // XOR
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      case 35: // SRL
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> (code[w >>> 24]! & 31);
        s = (s + 8) | 0;
        break;
      case 36: // SRA
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >> (code[w >>> 24]! & 31);
        s = (s + 8) | 0;
        break;
      case 37: // OR
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! | code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      case 38: // AND
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & code[w >>> 24]!;
        s = (s + 8) | 0;
        break;
      case 39: // FENCE: one hart, sequentially consistent memory: nothing to order
        s = (s + 8) | 0;
        break;
      case 43: // MUL
        code[(w >> 8) & 63] = Math.imul(code[(w >> 16) & 31]!, code[w >>> 24]!);
        s = (s + 8) | 0;
        break;
      case 44: // MULH
        code[(w >> 8) & 63] = mulh(code[(w >> 16) & 31]!, code[w >>> 24]!);
        s = (s + 8) | 0;
        break;
      case 45: // MULHSU
        code[(w >> 8) & 63] = mulhsu(code[(w >> 16) & 31]!, code[w >>> 24]!);
        s = (s + 8) | 0;
        break;
      case 46: // MULHU
        code[(w >> 8) & 63] = mulhu(code[(w >> 16) & 31]!, code[w >>> 24]!);
        s = (s + 8) | 0;
        break;
      case 47: {
        // DIV: x/0 = -1, INT_MIN/-1 = INT_MIN (§7.2, Table 7.1)
        const a = code[(w >> 16) & 31]!;
        const b = code[w >>> 24]!;
        code[(w >> 8) & 63] = b === 0 ? -1 : b === -1 ? -a | 0 : (a / b) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 48: {
        // DIVU: x/0 = 2^32 - 1
        const b = code[w >>> 24]! >>> 0;
        code[(w >> 8) & 63] = b === 0 ? -1 : ((code[(w >> 16) & 31]! >>> 0) / b) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 49: {
        // REM: x%0 = x, INT_MIN%-1 = 0
        const a = code[(w >> 16) & 31]!;
        const b = code[w >>> 24]!;
        code[(w >> 8) & 63] = b === 0 ? a : b === -1 ? 0 : (a % b) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 50: {
        // REMU: x%0 = x
        const a = code[(w >> 16) & 31]!;
        const b = code[w >>> 24]! >>> 0;
        code[(w >> 8) & 63] = b === 0 ? a : ((a >>> 0) % b) | 0;
        s = (s + 8) | 0;
        break;
      }
      case 72: {
        // REFETCH: leave the page — to the target a transfer left in word 48, else (odd 1
        // there) to the next page. A TLB miss, or a page without slots yet, is left to the
        // slow path.
        const far = code[48]!;
        const target: number = far !== 1 ? far : (code[50]! + 4096) | 0;
        const e = (it + ((target >>> 10) & 0x3fc)) | 0;
        if (code[e | 2] !== target >>> 12) {
          code[48] = target;
          break loop;
        }
        const next = code[4160 + (code[e | 3]! >>> 12)]!;
        if (next === 0) {
          code[48] = target;
          break loop;
        }
        code[48] = 1;
        code[49] = next;
        code[50] = target & ~0xfff;
        s = next + ((target & 0xffe) << 1);
        continue;
      }
      // Compressed forms (decode/slot.ts): as above, with a 2-byte step.
      case 74: {
        // C.LUI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = imm;
        s = (s + 4) | 0;
        break;
      }
      case 75: {
        // C.JAL
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]! + 4) >> 1)) | 0;
        s = (s + imm) | 0;
        if ((s - code[49]!) >>> 0 >= 8192) {
          const target: number = (code[50]! + ((s - code[49]!) >> 1)) | 0;
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 76: {
        // C.JALR
        const imm = code[s | 1]!;
        const target: number = (code[(w >> 16) & 31]! + imm) & -2;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]! + 4) >> 1)) | 0;
        const d = (target - code[50]!) | 0;
        if (d >>> 0 < 4096) {
          s = code[49]! + (d << 1);
        } else {
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 77: {
        // C.BEQ
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! === code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 4) | 0;
        break;
      }
      case 78: {
        // C.BNE
        const imm = code[s | 1]!;
        if (code[(w >> 16) & 31]! !== code[w >>> 24]!) {
          s = (s + imm) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + 4) | 0;
        break;
      }
      case 79: {
        // C.LW
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        s = (s + 4) | 0;
        break;
      }
      case 80: {
        // C.SW
        const imm = code[s | 1]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        s = (s + 4) | 0;
        break;
      }
      case 81: {
        // C.ADDI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        s = (s + 4) | 0;
        break;
      }
      case 82: {
        // C.ANDI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        s = (s + 4) | 0;
        break;
      }
      case 83: {
        // C.SLLI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        s = (s + 4) | 0;
        break;
      }
      case 84: {
        // C.SRLI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        s = (s + 4) | 0;
        break;
      }
      case 85: {
        // C.SRAI
        const imm = code[s | 1]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >> imm;
        s = (s + 4) | 0;
        break;
      }
      case 86: // C.ADD
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        s = (s + 4) | 0;
        break;
      case 87: // C.SUB
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! - code[w >>> 24]!) | 0;
        s = (s + 4) | 0;
        break;
      case 88: // C.XOR
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ code[w >>> 24]!;
        s = (s + 4) | 0;
        break;
      case 89: // C.OR
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! | code[w >>> 24]!;
        s = (s + 4) | 0;
        break;
      case 90: // C.AND
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & code[w >>> 24]!;
        s = (s + 4) | 0;
        break;
      // Fused pairs (decode/fusion.ts) retire two instructions; with only one left
      // in the budget, the slow path runs the first alone.
      case 91: {
        // LUI + ADDI (one constant)
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = imm;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 92: {
        // AUIPC + ADDI (one address)
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]!) >> 1) + imm) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 93: {
        // ADDI + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 94: {
        // ADDI + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 95: {
        // ADDI + BLT
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! < code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 96: {
        // ADDI + BGE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >= code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 97: {
        // ADDI + BLTU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 < code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 98: {
        // ADDI + BGEU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 >= code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 99: {
        // ADD + BEQ
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 100: {
        // ADD + BNE
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 101: {
        // ADD + BLT
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! < code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 102: {
        // ADD + BGE
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >= code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 103: {
        // ADD + BLTU
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 < code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 104: {
        // ADD + BGEU
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 >= code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 105: {
        // XOR + BEQ
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 106: {
        // XOR + BNE
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 107: {
        // ANDI + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 108: {
        // ANDI + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 109: {
        // LW + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 110: {
        // LW + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 111: {
        // LBU + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 112: {
        // LBU + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 113: {
        // SLLI + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 114: {
        // SLLI + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 115: {
        // SRLI + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 116: {
        // SRLI + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 117: {
        // LW + BLT
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! < code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 118: {
        // LW + BGE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >= code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 119: {
        // LW + BLTU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 < code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 120: {
        // LW + BGEU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 >= code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 121: {
        // LBU + BLT
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! < code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 122: {
        // LBU + BGE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >= code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 123: {
        // LBU + BLTU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 < code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 124: {
        // LBU + BGEU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 >= code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 125: {
        // ADDI + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 126: {
        // ADDI + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 127: {
        // ADDI + SLLI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! << i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 128: {
        // ADDI + XOR
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! ^ code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 129: {
        // ADDI + LW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 130: {
        // ADDI + SW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 131: {
        // ADDI + SB
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff); b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram[o2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 132: {
        // ADDI + MUL
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        code[(w2 >> 8) & 63] = Math.imul(code[(w2 >> 16) & 31]!, code[w2 >>> 24]!);
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 133: {
        // ADD + ADDI
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 134: {
        // ADD + ADD
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 135: {
        // ADD + LW
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 136: {
        // ADD + LBU
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram[(code[e2 | 3]! + (va2 & 0xfff)) | 0]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 137: {
        // ADD + SW
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 138: {
        // ADD + SRLI
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! >>> i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 139: {
        // SLLI + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 140: {
        // SLLI + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! << imm;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 141: {
        // SRLI + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 142: {
        // SRLI + ANDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! >>> imm;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! & i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 143: {
        // ANDI + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 144: {
        // ANDI + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! & imm;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 145: {
        // XOR + ANDI
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = code[(w >> 16) & 31]! ^ code[w >>> 24]!;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! & i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 146: {
        // MUL + ADD
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        code[(w >> 8) & 63] = Math.imul(code[(w >> 16) & 31]!, code[w >>> 24]!);
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 147: {
        // LW + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 148: {
        // LW + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 149: {
        // LW + LW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 150: {
        // LW + SW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 151: {
        // LW + XOR
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! ^ code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 152: {
        // LW + SLLI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! << i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 153: {
        // LBU + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 154: {
        // LBU + ANDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! & i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 155: {
        // LBU + SRLI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        code[(w2 >> 8) & 63] = code[(w2 >> 16) & 31]! >>> i2;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 156: {
        // SW + SW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 157: {
        // SW + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 158: {
        // SW + LW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 159: {
        // SB + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram[o] = code[w >>> 24]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 160: {
        // SB + ADDI
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram[o] = code[w >>> 24]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + i2) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 161: {
        // ADDI + JAL
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        left = (left - 1) | 0;
        code[(code[s | 2]! >> 8) & 63] =
          (code[50]! + ((s - code[49]! + ((w >> 19) & 28)) >> 1)) | 0;
        s = (s + code[s | 3]!) | 0;
        if ((s - code[49]!) >>> 0 >= 8192) {
          const target: number = (code[50]! + ((s - code[49]!) >> 1)) | 0;
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 162: {
        // ADD + JAL
        if (left < 2) break loop;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        left = (left - 1) | 0;
        code[(code[s | 2]! >> 8) & 63] =
          (code[50]! + ((s - code[49]! + ((w >> 19) & 28)) >> 1)) | 0;
        s = (s + code[s | 3]!) | 0;
        if ((s - code[49]!) >>> 0 >= 8192) {
          const target: number = (code[50]! + ((s - code[49]!) >> 1)) | 0;
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 163: {
        // ADDI + JALR
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        left = (left - 1) | 0;
        const target: number = (code[(w2 >> 16) & 31]! + i2) & -2;
        code[(w2 >> 8) & 63] = (code[50]! + ((s - code[49]! + ((w >> 19) & 28)) >> 1)) | 0;
        const d = (target - code[50]!) | 0;
        if (d >>> 0 < 4096) {
          s = code[49]! + (d << 1);
        } else {
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 164: {
        // ADD + JALR
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        left = (left - 1) | 0;
        const target: number = (code[(w2 >> 16) & 31]! + i2) & -2;
        code[(w2 >> 8) & 63] = (code[50]! + ((s - code[49]! + ((w >> 19) & 28)) >> 1)) | 0;
        const d = (target - code[50]!) | 0;
        if (d >>> 0 < 4096) {
          s = code[49]! + (d << 1);
        } else {
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 165: {
        // LW + JALR
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12 || (va & 3) !== 0) break loop;
        code[(w >> 8) & 63] = ram32[(code[e | 3]! + (va & 0xfff)) >> 2]!;
        left = (left - 1) | 0;
        const target: number = (code[(w2 >> 16) & 31]! + i2) & -2;
        code[(w2 >> 8) & 63] = (code[50]! + ((s - code[49]! + ((w >> 19) & 28)) >> 1)) | 0;
        const d = (target - code[50]!) | 0;
        if (d >>> 0 < 4096) {
          s = code[49]! + (d << 1);
        } else {
          const e = (it + ((target >>> 10) & 0x3fc)) | 0;
          const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
          if (next !== 0) {
            code[49] = next;
            code[50] = target & ~0xfff;
            s = next + ((target & 0xffe) << 1);
          } else {
            code[48] = target;
            s = code[49]! + 8192;
          }
        }
        break;
      }
      case 166: {
        // LUI + LW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = imm;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 167: {
        // LUI + SW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = imm;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 168: {
        // AUIPC + LW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]!) >> 1) + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram32[(code[e2 | 3]! + (va2 & 0xfff)) >> 2]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 169: {
        // AUIPC + SW
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[50]! + ((s - code[49]!) >> 1) + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12 || (va2 & 3) !== 0) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram32[o2 >> 2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 170: {
        // SW + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 171: {
        // SW + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 172: {
        // SW + BLT
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! < code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 173: {
        // SW + BGE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >= code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 174: {
        // SW + BLTU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 < code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 175: {
        // SW + BGEU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12 || (va & 3) !== 0) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff) + 2; b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram32[o >> 2] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! >>> 0 >= code[w2 >>> 24]! >>> 0) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 176: {
        // SB + BEQ
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram[o] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! === code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 177: {
        // SB + BNE
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e | 1] !== va >>> 12) break loop;
        const o = (code[e | 3]! + (va & 0xfff)) | 0;
        const pb = code[4160 + (o >>> 12)]!;
        if (pb !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o & 0xfff) - 6) & ~1; b <= (o & 0xfff); b += 2) {
            if (b >= 0) code[pb + (b << 1)] = 0;
          }
        }
        ram[o] = code[w >>> 24]!;
        const w2 = code[s | 2]!;
        left = (left - 1) | 0;
        if (code[(w2 >> 16) & 31]! !== code[w2 >>> 24]!) {
          s = (s + code[s | 3]!) | 0;
          if ((s - code[49]!) >>> 0 >= 8192) {
            code[48] = (code[50]! + ((s - code[49]!) >> 1)) | 0;
            s = code[49]! + 8192;
          }
        } else s = (s + ((w >> 19) & 28)) | 0;
        break;
      }
      case 178: {
        // ADDI + LBU
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + imm) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2] !== va2 >>> 12) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        code[(w2 >> 8) & 63] = ram[(code[e2 | 3]! + (va2 & 0xfff)) | 0]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 179: {
        // ADD + SB
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const i2 = code[s | 3]!;
        code[(w >> 8) & 63] = (code[(w >> 16) & 31]! + code[w >>> 24]!) | 0;
        const va2 = (code[(w2 >> 16) & 31]! + i2) | 0;
        const e2 = (dt + ((va2 >>> 10) & 0x3fc)) | 0;
        if (code[e2 | 1] !== va2 >>> 12) {
          left = (left - 1) | 0;
          s = (s + ((w >> 12) & 12)) | 0;
          break loop;
        }
        const o2 = (code[e2 | 3]! + (va2 & 0xfff)) | 0;
        const pb2 = code[4160 + (o2 >>> 12)]!;
        if (pb2 !== 0) {
          // Code was decoded from this page: forget the slots the store overlaps.
          for (let b = ((o2 & 0xfff) - 6) & ~1; b <= (o2 & 0xfff); b += 2) {
            if (b >= 0) code[pb2 + (b << 1)] = 0;
          }
        }
        ram[o2] = code[w2 >>> 24]!;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      case 180: {
        // LBU + ADD
        const imm = code[s | 1]!;
        if (left < 2) break loop;
        const w2 = code[s | 2]!;
        const va = (code[(w >> 16) & 31]! + imm) | 0;
        const e = (dt + ((va >>> 10) & 0x3fc)) | 0;
        if (code[e] !== va >>> 12) break loop;
        code[(w >> 8) & 63] = ram[(code[e | 3]! + (va & 0xfff)) | 0]!;
        code[(w2 >> 8) & 63] = (code[(w2 >> 16) & 31]! + code[w2 >>> 24]!) | 0;
        s = (s + ((w >> 19) & 28)) | 0;
        left = (left - 1) | 0;
        break;
      }
      default:
        // Not decoded yet, or not handled here: CSRs, system, atomics, page-crossing.
        break loop;
    }
    left = (left - 1) | 0;
  }
  const far = code[48]!;
  code[48] = far !== 1 ? far : (code[50]! + ((s - code[49]!) >> 1)) | 0;
  return (limit | 0) - left;
}
