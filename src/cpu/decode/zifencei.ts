import { Format, Op, type InsnSpec } from './op';

/** "Zifencei" instruction-fetch fence (unprivileged ISA ch. 3); imm/rs1/rd are reserved, ignored. */
export const ZIFENCEI: readonly InsnSpec[] = [
  { name: 'fence.i', mask: 0x0000707f, match: 0x0000100f, op: Op.FENCE_I, format: Format.None },
];
