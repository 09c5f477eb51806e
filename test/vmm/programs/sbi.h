/* SBI calls (RISC-V SBI specification v2.0, chapter 3: a7 = EID, a6 = FID,
 * a0..a5 = arguments; a0 = error, a1 = value on return). */
#ifndef SBI_H
#define SBI_H
#include <stdint.h>

struct sbiret { long error; long value; };

static inline struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
                                     unsigned long a1, unsigned long a2, unsigned long a3,
                                     unsigned long a4, unsigned long a5) {
  register unsigned long r_a0 __asm__("a0") = a0;
  register unsigned long r_a1 __asm__("a1") = a1;
  register unsigned long r_a2 __asm__("a2") = a2;
  register unsigned long r_a3 __asm__("a3") = a3;
  register unsigned long r_a4 __asm__("a4") = a4;
  register unsigned long r_a5 __asm__("a5") = a5;
  register unsigned long r_a6 __asm__("a6") = fid;
  register unsigned long r_a7 __asm__("a7") = eid;
  __asm__ volatile("ecall"
                   : "+r"(r_a0), "+r"(r_a1)
                   : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6), "r"(r_a7)
                   : "memory");
  struct sbiret ret = {(long)r_a0, (long)r_a1};
  return ret;
}

/* Legacy extensions (chapter 5): the result comes back in a0 only. */
static inline long sbi_legacy(unsigned long eid, unsigned long a0) {
  register unsigned long r_a0 __asm__("a0") = a0;
  register unsigned long r_a7 __asm__("a7") = eid;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory", "a1");
  return (long)r_a0;
}

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E
#define SBI_LEGACY_PUTCHAR 0x01
#define SBI_LEGACY_GETCHAR 0x02

#define SBI_SUCCESS 0
#define SBI_ERR_FAILED -1
#define SBI_ERR_NOT_SUPPORTED -2
#define SBI_ERR_INVALID_PARAM -3
#define SBI_ERR_DENIED -4
#define SBI_ERR_INVALID_ADDRESS -5
#define SBI_ERR_ALREADY_AVAILABLE -6

#endif
