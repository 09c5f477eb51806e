import { Format, Op, type InsnSpec } from './op';

/** "A" standard extension, word forms (unprivileged ISA ch. 8); aq/rl are don't-cares for one hart. */
export const RV32A: readonly InsnSpec[] = [
  // LR.W requires rs2 = 0.
  { name: 'lr.w', mask: 0xf9f0707f, match: 0x1000202f, op: Op.LR_W, format: Format.R },
  { name: 'sc.w', mask: 0xf800707f, match: 0x1800202f, op: Op.SC_W, format: Format.R },
  { name: 'amoswap.w', mask: 0xf800707f, match: 0x0800202f, op: Op.AMOSWAP_W, format: Format.R },
  { name: 'amoadd.w', mask: 0xf800707f, match: 0x0000202f, op: Op.AMOADD_W, format: Format.R },
  { name: 'amoxor.w', mask: 0xf800707f, match: 0x2000202f, op: Op.AMOXOR_W, format: Format.R },
  { name: 'amoand.w', mask: 0xf800707f, match: 0x6000202f, op: Op.AMOAND_W, format: Format.R },
  { name: 'amoor.w', mask: 0xf800707f, match: 0x4000202f, op: Op.AMOOR_W, format: Format.R },
  { name: 'amomin.w', mask: 0xf800707f, match: 0x8000202f, op: Op.AMOMIN_W, format: Format.R },
  { name: 'amomax.w', mask: 0xf800707f, match: 0xa000202f, op: Op.AMOMAX_W, format: Format.R },
  { name: 'amominu.w', mask: 0xf800707f, match: 0xc000202f, op: Op.AMOMINU_W, format: Format.R },
  { name: 'amomaxu.w', mask: 0xf800707f, match: 0xe000202f, op: Op.AMOMAXU_W, format: Format.R },
];
