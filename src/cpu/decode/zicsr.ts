import { Format, Op, type InsnSpec } from './op';

/** "Zicsr" control and status register instructions (unprivileged ISA ch. 9). */
export const ZICSR: readonly InsnSpec[] = [
  { name: 'csrrw', mask: 0x0000707f, match: 0x00001073, op: Op.CSRRW, format: Format.Csr },
  { name: 'csrrs', mask: 0x0000707f, match: 0x00002073, op: Op.CSRRS, format: Format.Csr },
  { name: 'csrrc', mask: 0x0000707f, match: 0x00003073, op: Op.CSRRC, format: Format.Csr },
  // For the immediate forms the rs1 field carries the 5-bit zero-extended uimm.
  { name: 'csrrwi', mask: 0x0000707f, match: 0x00005073, op: Op.CSRRWI, format: Format.Csr },
  { name: 'csrrsi', mask: 0x0000707f, match: 0x00006073, op: Op.CSRRSI, format: Format.Csr },
  { name: 'csrrci', mask: 0x0000707f, match: 0x00007073, op: Op.CSRRCI, format: Format.Csr },
];
