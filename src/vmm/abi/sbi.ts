/**
 * The SBI binary interface (RISC-V Supervisor Binary Interface specification
 * v2.0): extension ids (a7), function ids (a6) and the standard error codes
 * returned in a0. The VMM is every guest's SBI implementation.
 */

/** SBI spec version 2.0 as `get_spec_version` encodes it (§4.1: major in bits 30:24). */
export const SBI_SPEC_VERSION = (2 << 24) | 0;

/** Implementation id returned by `sbi_get_impl_id` — not one of the ids registered in §4.9. */
export const SBI_IMPL_ID_TABVISOR = 0x54616276; // "Tabv"
export const SBI_IMPL_VERSION = 0x00010000;

/** Extension ids (§3 and the chapters of each extension). */
export const SbiExt = {
  LegacySetTimer: 0x00,
  LegacyConsolePutchar: 0x01,
  LegacyConsoleGetchar: 0x02,
  LegacyClearIpi: 0x03,
  LegacySendIpi: 0x04,
  LegacyRemoteFenceI: 0x05,
  LegacyRemoteSfenceVma: 0x06,
  LegacyRemoteSfenceVmaAsid: 0x07,
  LegacyShutdown: 0x08,
  Base: 0x10,
  Time: 0x54494d45,
  Ipi: 0x735049,
  Rfence: 0x52464e43,
  Hsm: 0x48534d,
  Srst: 0x53525354,
  Dbcn: 0x4442434e,
} as const;

/** Standard SBI return error codes (§3.2, table 1). */
export const SbiError = {
  Success: 0,
  Failed: -1,
  NotSupported: -2,
  InvalidParam: -3,
  Denied: -4,
  InvalidAddress: -5,
  AlreadyAvailable: -6,
  AlreadyStarted: -7,
  AlreadyStopped: -8,
} as const;

/** Base extension functions (§4). */
export const SbiBaseFn = {
  GetSpecVersion: 0,
  GetImplId: 1,
  GetImplVersion: 2,
  ProbeExtension: 3,
  GetMvendorid: 4,
  GetMarchid: 5,
  GetMimpid: 6,
} as const;

/** TIME extension (§6). */
export const SbiTimeFn = { SetTimer: 0 } as const;

/** IPI extension (§7). */
export const SbiIpiFn = { SendIpi: 0 } as const;

/** RFENCE extension (§8). */
export const SbiRfenceFn = {
  RemoteFenceI: 0,
  RemoteSfenceVma: 1,
  RemoteSfenceVmaAsid: 2,
  RemoteHfenceGvmaVmid: 3,
  RemoteHfenceGvma: 4,
  RemoteHfenceVvmaAsid: 5,
  RemoteHfenceVvma: 6,
} as const;

/** Hart state management (§9). */
export const SbiHsmFn = { HartStart: 0, HartStop: 1, HartGetStatus: 2, HartSuspend: 3 } as const;

/** HSM hart states (§9, table 20). */
export const HsmState = {
  Started: 0,
  Stopped: 1,
  StartPending: 2,
  StopPending: 3,
  Suspended: 4,
  SuspendPending: 5,
  ResumePending: 6,
} as const;
export type HsmState = (typeof HsmState)[keyof typeof HsmState];

/** HSM suspend types (§9.4, table 22). */
export const HsmSuspendType = {
  DefaultRetentive: 0x00000000,
  DefaultNonRetentive: 0x80000000,
} as const;

/** System reset (§10). */
export const SbiSrstFn = { SystemReset: 0 } as const;
export const SrstType = { Shutdown: 0, ColdReboot: 1, WarmReboot: 2 } as const;
export const SrstReason = { NoReason: 0, SystemFailure: 1 } as const;

/** Debug console (§12). */
export const SbiDbcnFn = { ConsoleWrite: 0, ConsoleRead: 1, ConsoleWriteByte: 2 } as const;

/** Vendor extension space (§3, table 3). */
export const SBI_VENDOR_EXT_FIRST = 0x09000000;
export const SBI_VENDOR_EXT_LAST = 0x09ffffff;
