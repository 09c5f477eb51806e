/*
 * Shared runtime of the conformance programs: UART output, exit through the
 * SiFive test finisher, trap frames and hooks, privilege-mode switches.
 * Everything a program prints must be identical on QEMU virt and on ours, so
 * nothing here prints timing-dependent values.
 */
#ifndef CONFORMANCE_RUNTIME_H
#define CONFORMANCE_RUNTIME_H

typedef unsigned int u32;
typedef int i32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned long long u64;
typedef unsigned long uptr;

/* QEMU virt memory map (hw/riscv/virt.c). */
#define UART0_BASE 0x10000000u
#define TEST_FINISHER 0x00100000u
#define CLINT_BASE 0x02000000u
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define PLIC_BASE 0x0c000000u
#define UART0_IRQ 10

/* Privilege levels (privileged spec 1.12, table 1.1). */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus fields (privileged spec 3.1.6). */
#define MSTATUS_SIE (1u << 1)
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_SPIE (1u << 5)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_SPP (1u << 8)
#define MSTATUS_MPP (3u << 11)
#define MSTATUS_MPRV (1u << 17)
#define MSTATUS_SUM (1u << 18)
#define MSTATUS_MXR (1u << 19)
#define MSTATUS_TVM (1u << 20)
#define MSTATUS_TW (1u << 21)
#define MSTATUS_TSR (1u << 22)
/* The mstatus bits that a spec-correct RV32IMAC hart and QEMU (which also has
   F, D and H) must agree on. */
#define MSTATUS_COMMON_MASK 0x007e19aau

/* Interrupt numbers (privileged spec 3.1.9). */
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11
#define MIP_SSIP (1u << IRQ_S_SOFT)
#define MIP_MSIP (1u << IRQ_M_SOFT)
#define MIP_STIP (1u << IRQ_S_TIMER)
#define MIP_MTIP (1u << IRQ_M_TIMER)
#define MIP_SEIP (1u << IRQ_S_EXT)
#define MIP_MEIP (1u << IRQ_M_EXT)
/* Standard M and S interrupt bits; QEMU 7.2 also has the H-extension ones. */
#define MIP_STANDARD_MASK 0xaaau

/* Exception codes (privileged spec 3.1.15, table 3.6). */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_MACHINE_ECALL 11
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_INTERRUPT 0x80000000u

/* a7 value of the ecall that ends enter_mode(); see start.S. */
#define MODE_EXIT_MAGIC 0x6d0de417u
/* a7 value of the ecall behind current_mode(). */
#define WHOAMI_MAGIC 0x3d0de417u

#define STR(x) #x
#define XSTR(x) STR(x)
#define csr_read(csr)                                                                              \
  ({                                                                                               \
    u32 __v;                                                                                       \
    __asm__ volatile("csrr %0, " #csr : "=r"(__v) : : "memory");                                   \
    __v;                                                                                           \
  })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" : : "rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" : : "rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" : : "rK"(val) : "memory")
#define csr_swap(csr, val)                                                                         \
  ({                                                                                               \
    u32 __v;                                                                                       \
    __asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(__v) : "rK"(val) : "memory");                 \
    __v;                                                                                           \
  })

static inline u32 mmio_read32(uptr addr) { return *(volatile u32 *)addr; }
static inline void mmio_write32(uptr addr, u32 v) { *(volatile u32 *)addr = v; }
static inline u8 mmio_read8(uptr addr) { return *(volatile u8 *)addr; }
static inline void mmio_write8(uptr addr, u8 v) { *(volatile u8 *)addr = v; }

/* ---- output (uart.c) ---- */
void putc(char c);
void uart_drain(void);
void puts(const char *s);          /* no newline added */
void put_hex(u32 v);               /* always 8 digits */
void put_hex_n(u32 v, int digits); /* low `digits` hex digits */
void put_dec(i32 v);
void put_udec(u32 v);
/* "name=XXXXXXXX\n" */
void say(const char *name, u32 v);
/* "name=D\n" (decimal) */
void say_dec(const char *name, i32 v);
/* "name\n" */
void line(const char *s);

/* ---- end of program ---- */
/* 0 → finisher PASS (QEMU exit 0); else FAIL with this code. Never returns. */
void exit(int code) __attribute__((noreturn));
/* Prints "PASS" and exits 0. */
void pass(void) __attribute__((noreturn));
/* Prints "FAIL: why" and exits 1. */
void fail(const char *why) __attribute__((noreturn));
#define check(cond, why)                                                                           \
  do {                                                                                             \
    if (!(cond)) fail(why);                                                                        \
  } while (0)

/* ---- traps (trap.c, start.S) ---- */
struct trap_frame {
  u32 regs[32]; /* x0..x31 as they were at the trap; x0 slot unused */
  u32 cause;    /* mcause or scause */
  u32 epc;      /* mepc or sepc; written back on return */
  u32 tval;     /* mtval or stval */
  u32 status;   /* mstatus or sstatus at entry (written back on return) */
};
#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A7 17

/* A hook returns nonzero when it has handled the trap (and adjusted epc as it
   wanted); zero lets the default handler run. */
typedef int (*trap_hook_t)(struct trap_frame *f);
extern volatile trap_hook_t m_trap_hook;
extern volatile trap_hook_t s_trap_hook;
/* Traps taken by the default handlers since start (or since reset). */
extern volatile u32 m_trap_count;
extern volatile u32 s_trap_count;
/* Last trap seen by the default handlers. */
extern volatile u32 last_cause, last_epc, last_tval;
/* When nonzero, the default handlers print nothing (tests print themselves). */
extern volatile int trap_quiet;
/* When nonzero, the default handlers do not print tval. They never print it
   for breakpoints, where the spec lets it be the pc or zero. */
extern volatile int trap_hide_tval;

/* Length in bytes of the instruction whose first halfword is `h`. */
static inline u32 insn_length(u16 h) { return (h & 3) == 3 ? 4 : 2; }

/* Supervisor trap vector (start.S); stvec must point here for the default S
   handler. */
void s_trap_vector(void);

/*
 * Runs fn(arg) in privilege mode `mode` (PRV_U or PRV_S) through mret and
 * returns what fn returned, once fn returns (which executes ecall with
 * a7 = MODE_EXIT_MAGIC in the lower mode, caught by the M handler). If `stack`
 * is nonzero the lower mode runs on it. mstatus fields other than MPP are left
 * as the caller set them (MPIE becomes the MIE bit while in the lower mode);
 * on return mstatus.MIE is what it was at the call.
 */
u32 enter_mode(u32 mode, u32 (*fn)(u32), u32 arg, void *stack);
/* Like enter_mode but leaves M-mode with sret (sstatus.SPP chooses S or U). */
u32 sret_into(u32 (*fn)(u32), u32 arg);
/* Code S-mode and U-mode functions return to (user_mode_exit sits in
   .user.text so U-mode can run it under Sv32). */
extern char mode_exit[], user_mode_exit[];

/* The privilege mode the caller runs in, found with an ecall (a7 =
   WHOAMI_MAGIC) whose cause the default handlers turn into PRV_U/S/M. */
static inline u32 current_mode(void) {
  register u32 a0 __asm__("a0") = 0;
  register u32 a7 __asm__("a7") = WHOAMI_MAGIC;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
  return a0;
}

/* Calls a function at `addr` (for fetch faults); a default handler that sees a
   fetch fault resumes at ra, i.e. right after this call. */
static inline void call_addr(uptr addr) {
  __asm__ volatile("jalr ra, 0(%0)" : : "r"(addr) : "ra", "memory");
}

#define USER_TEXT __attribute__((section(".user.text"), noinline))
#define USER_DATA __attribute__((section(".user.data")))
extern char __user_start[], __user_end[];

#endif
