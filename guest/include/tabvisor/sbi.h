/*
 * The SBI binary interface (RISC-V Supervisor Binary Interface specification
 * v2.0): extension ids (a7), function ids (a6) and the standard error codes
 * returned in a0. Mirrors src/vmm/abi/sbi.ts; test/guest/abi-mirror.test.ts
 * checks that the two agree.
 */
#ifndef TABVISOR_SBI_H
#define TABVISOR_SBI_H

/* get_spec_version encodes the major version in bits 30:24 (§4.1). */
#define SBI_SPEC_VERSION ((2 << 24) | 0)
#define SBI_IMPL_ID_TABVISOR 0x54616276 /* "Tabv" */
#define SBI_IMPL_VERSION 0x00010000

/* Extension ids (§3 and each extension's chapter); the legacy ones are chapter 5. */
#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR 0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR 0x02
#define SBI_EXT_LEGACY_CLEAR_IPI 0x03
#define SBI_EXT_LEGACY_SEND_IPI 0x04
#define SBI_EXT_LEGACY_REMOTE_FENCE_I 0x05
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA 0x06
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID 0x07
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

/* Standard return errors (§3.2, table 1). */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED (-7)
#define SBI_ERR_ALREADY_STOPPED (-8)

/* Base extension (§4). */
#define SBI_EXT_BASE_GET_SPEC_VERSION 0
#define SBI_EXT_BASE_GET_IMPL_ID 1
#define SBI_EXT_BASE_GET_IMPL_VERSION 2
#define SBI_EXT_BASE_PROBE_EXTENSION 3
#define SBI_EXT_BASE_GET_MVENDORID 4
#define SBI_EXT_BASE_GET_MARCHID 5
#define SBI_EXT_BASE_GET_MIMPID 6

/* TIME (§6), IPI (§7). */
#define SBI_EXT_TIME_SET_TIMER 0
#define SBI_EXT_IPI_SEND_IPI 0

/* RFENCE (§8). */
#define SBI_EXT_RFENCE_REMOTE_FENCE_I 0
#define SBI_EXT_RFENCE_REMOTE_SFENCE_VMA 1
#define SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID 2
#define SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA_VMID 3
#define SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA 4
#define SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA_ASID 5
#define SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA 6

/* Hart state management (§9) and its states (table 20) and suspend types (table 22). */
#define SBI_EXT_HSM_HART_START 0
#define SBI_EXT_HSM_HART_STOP 1
#define SBI_EXT_HSM_HART_GET_STATUS 2
#define SBI_EXT_HSM_HART_SUSPEND 3
#define SBI_HSM_STATE_STARTED 0
#define SBI_HSM_STATE_STOPPED 1
#define SBI_HSM_STATE_START_PENDING 2
#define SBI_HSM_STATE_STOP_PENDING 3
#define SBI_HSM_STATE_SUSPENDED 4
#define SBI_HSM_STATE_SUSPEND_PENDING 5
#define SBI_HSM_STATE_RESUME_PENDING 6
#define SBI_HSM_SUSPEND_TYPE_DEFAULT_RETENTIVE 0x00000000
#define SBI_HSM_SUSPEND_TYPE_DEFAULT_NON_RETENTIVE 0x80000000

/* System reset (§10). */
#define SBI_EXT_SRST_SYSTEM_RESET 0
#define SBI_SRST_TYPE_SHUTDOWN 0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_TYPE_WARM_REBOOT 2
#define SBI_SRST_REASON_NO_REASON 0
#define SBI_SRST_REASON_SYSTEM_FAILURE 1

/* Debug console (§12). */
#define SBI_EXT_DBCN_CONSOLE_WRITE 0
#define SBI_EXT_DBCN_CONSOLE_READ 1
#define SBI_EXT_DBCN_CONSOLE_WRITE_BYTE 2

/* Vendor extension space (§3, table 3). */
#define SBI_VENDOR_EXT_FIRST 0x09000000
#define SBI_VENDOR_EXT_LAST 0x09FFFFFF

#endif
