import { Format, Op, type InsnSpec } from './op';

/** Privileged instructions (privileged spec 1.12 ch. 3.3 and 4.2.1). */
export const PRIVILEGED: readonly InsnSpec[] = [
  { name: 'sret', mask: 0xffffffff, match: 0x10200073, op: Op.SRET, format: Format.None },
  { name: 'mret', mask: 0xffffffff, match: 0x30200073, op: Op.MRET, format: Format.None },
  { name: 'wfi', mask: 0xffffffff, match: 0x10500073, op: Op.WFI, format: Format.None },
  { name: 'sfence.vma', mask: 0xfe007fff, match: 0x12000073, op: Op.SFENCE_VMA, format: Format.R },
];
