import { Format, Op, type InsnSpec } from './op';

/** "M" standard extension (unprivileged ISA ch. 7). */
export const RV32M: readonly InsnSpec[] = [
  { name: 'mul', mask: 0xfe00707f, match: 0x02000033, op: Op.MUL, format: Format.R },
  { name: 'mulh', mask: 0xfe00707f, match: 0x02001033, op: Op.MULH, format: Format.R },
  { name: 'mulhsu', mask: 0xfe00707f, match: 0x02002033, op: Op.MULHSU, format: Format.R },
  { name: 'mulhu', mask: 0xfe00707f, match: 0x02003033, op: Op.MULHU, format: Format.R },
  { name: 'div', mask: 0xfe00707f, match: 0x02004033, op: Op.DIV, format: Format.R },
  { name: 'divu', mask: 0xfe00707f, match: 0x02005033, op: Op.DIVU, format: Format.R },
  { name: 'rem', mask: 0xfe00707f, match: 0x02006033, op: Op.REM, format: Format.R },
  { name: 'remu', mask: 0xfe00707f, match: 0x02007033, op: Op.REMU, format: Format.R },
];
