/*
 * Calls into the SBI firmware, which is the VMM (RISC-V SBI specification
 * v2.0, chapter 3): a7 = extension id, a6 = function id, a0..a5 = arguments;
 * the firmware answers with a0 = error and a1 = value.
 */
#ifndef SPROUT_SBI_H
#define SPROUT_SBI_H
#include <stdint.h>
#include <tabvisor/sbi.h>

struct sbiret {
    long error;
    long value;
};

static inline struct sbiret sbi_ecall(unsigned long ext, unsigned long fid, unsigned long a0,
                                      unsigned long a1, unsigned long a2, unsigned long a3,
                                      unsigned long a4, unsigned long a5) {
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r4 __asm__("a4") = a4;
    register unsigned long r5 __asm__("a5") = a5;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = ext;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){(long)r0, (long)r1};
}

/* arch/sbi.c */
extern unsigned long sbi_calls; /* every ecall Sprout made (each one is a VM exit) */
struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2);
void sbi_set_timer(uint64_t when);
void sbi_debug_write(const char *s, unsigned long n);
long sbi_spec_version(void);
long sbi_impl_id(void);
long sbi_impl_version(void);
int sbi_probe(unsigned long ext);
void __attribute__((noreturn)) sbi_system_reset(unsigned long type, unsigned long reason);

#endif
