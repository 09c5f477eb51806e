/** mstatus fields for RV32 (privileged spec 1.12 §3.1.6, Fig. 3.6). */
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;

/**
 * Bits software can write. FS/VS/XS stay 0 (no F, V or custom state), so SD reads 0;
 * UBE/SBE/MBE stay 0 (little-endian only).
 */
export const MSTATUS_WRITABLE =
  MSTATUS_SIE |
  MSTATUS_MIE |
  MSTATUS_SPIE |
  MSTATUS_MPIE |
  MSTATUS_SPP |
  MSTATUS_MPP |
  MSTATUS_MPRV |
  MSTATUS_SUM |
  MSTATUS_MXR |
  MSTATUS_TVM |
  MSTATUS_TW |
  MSTATUS_TSR;

/** The subset of mstatus that sstatus shows and writes (§4.1.1). */
export const SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;

/** Fields whose change alters the permissions of cached translations (§3.1.6.3). */
export const MSTATUS_PERMISSION_FIELDS = MSTATUS_SUM | MSTATUS_MXR;

/** satp for Sv32 (§4.1.11): MODE[31], ASID[30:22], PPN[21:0]. */
export const SATP_MODE_SV32 = 1 << 31;
export const SATP_PPN_MASK = 0x3fffff;
