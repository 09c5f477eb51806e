/*
 * SBI calls (RISC-V Supervisor Binary Interface v2.0). The VMM is Sprout's
 * firmware: every ecall here is a VM exit it answers. Used: TIME (§6,
 * set_timer), SRST (§10, power off and reboot), BASE (§4, for `hv`) and the
 * debug console DBCN (§12) for panics before any console exists.
 */
#include <sprout/kernel.h>
#include <sprout/sbi.h>

unsigned long sbi_calls;

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2) {
    sbi_calls++;
    return sbi_ecall(ext, fid, a0, a1, a2, 0, 0, 0);
}

/* The timer interrupt (sip.STIP) fires once time >= when; a new call clears it (§6.1). */
void sbi_set_timer(uint64_t when) {
    sbi_call(SBI_EXT_TIME, SBI_EXT_TIME_SET_TIMER, (unsigned long)when, (unsigned long)(when >> 32), 0);
}

/* DBCN console_write takes a physical address: ours are identity-mapped. */
void sbi_debug_write(const char *s, unsigned long n) {
    while (n > 0) {
        struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, n, (unsigned long)s, 0);
        if (r.error != SBI_SUCCESS || r.value <= 0) {
            /* No DBCN: the legacy putchar (chapter 5) always exists here. */
            for (unsigned long i = 0; i < n; i++) {
                sbi_calls++;
                sbi_ecall(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned char)s[i], 0, 0, 0, 0, 0);
            }
            return;
        }
        s += r.value;
        n -= (unsigned long)r.value;
    }
}

long sbi_spec_version(void) { return sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, 0, 0, 0).value; }
long sbi_impl_id(void) { return sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMPL_ID, 0, 0, 0).value; }
long sbi_impl_version(void) { return sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMPL_VERSION, 0, 0, 0).value; }

int sbi_probe(unsigned long ext) {
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXTENSION, ext, 0, 0);
    return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_system_reset(unsigned long type, unsigned long reason) {
    sbi_call(SBI_EXT_SRST, SBI_EXT_SRST_SYSTEM_RESET, type, reason, 0);
    /* SRST does not return on success; the legacy shutdown (EID 8) is the fallback. */
    sbi_ecall(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0, 0, 0);
    for (;;) __asm__ volatile("wfi");
}
