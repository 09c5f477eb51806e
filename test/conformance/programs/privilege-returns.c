/*
 * Privilege transitions (privileged spec 1.12): ECALL from U, S and M
 * (causes 8, 9, 11); MRET to M, S and U restoring MIE from MPIE, setting MPIE
 * and setting MPP to U (3.1.6.1, 3.3.2); SRET to S and U from S and from M,
 * restoring SIE from SPIE and setting SPP to U. The mode reached is observed
 * with an ECALL whose cause tells the mode (current_mode()). Not printed:
 * MPRV after an xRET to a mode below M (1.12 clears it, QEMU 7.2 keeps it).
 */
#include "runtime.h"

#define SSTATUS_VIEW (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)
#define MSTATUS_VIEW (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV)

static u32 mode_of_callee(u32 arg) {
  (void)arg;
  return current_mode();
}

static u32 ecall_cause(u32 arg) {
  (void)arg;
  trap_quiet = 1;
  __asm__ volatile("li a7, 0\n ecall" : : : "a7", "memory");
  trap_quiet = 0;
  return last_cause;
}

static void ecalls(void) {
  say("ecall cause from M", ecall_cause(0));
  say("ecall cause from S", enter_mode(PRV_S, ecall_cause, 0, 0));
  say("ecall cause from U", enter_mode(PRV_U, ecall_cause, 0, 0));
  say("mode in enter_mode(S)", enter_mode(PRV_S, mode_of_callee, 0, 0));
  say("mode in enter_mode(U)", enter_mode(PRV_U, mode_of_callee, 0, 0));
  say("mode in main", current_mode());
}

/* mret with MPP = M stays in M; the fields change as 3.1.6.1 says. */
static void mret_to_m(u32 mpie) {
  csr_clear(mstatus, MSTATUS_MIE | MSTATUS_MPIE);
  csr_set(mstatus, MSTATUS_MPP | MSTATUS_MPRV | (mpie ? MSTATUS_MPIE : 0));
  /* MPRV = 1 with MPP = M changes nothing for M's own accesses; mret to M
     must keep it. */
  __asm__ volatile("la t0, 1f\n csrw mepc, t0\n mret\n 1:" : : : "t0", "memory");
  u32 s = csr_read(mstatus);
  csr_clear(mstatus, MSTATUS_MIE | MSTATUS_MPRV);
  puts("mret M->M with MPIE=");
  put_udec(mpie);
  puts(": mstatus ");
  put_hex(s & MSTATUS_VIEW);
  puts(" mode ");
  put_udec(current_mode());
  putc('\n');
}

/* sret from S: set sepc to a label, SPP to the target mode, then report. */
static u32 sret_from_s(u32 spp) {
  u32 ss = csr_read(sstatus);
  ss &= ~(MSTATUS_SPP | MSTATUS_SIE);
  ss |= MSTATUS_SPIE | (spp ? MSTATUS_SPP : 0);
  csr_write(sstatus, ss);
  __asm__ volatile("la t0, 1f\n csrw sepc, t0\n sret\n 1:" : : : "t0", "memory");
  return current_mode();
}

static void srets(void) {
  for (u32 spp = 0; spp < 2; spp++) {
    csr_write(mstatus, 0);
    u32 m = enter_mode(PRV_S, sret_from_s, spp, 0);
    puts("sret S->");
    put_udec(spp);
    puts(": mode ");
    put_udec(m);
    puts(" sstatus ");
    put_hex(csr_read(sstatus) & SSTATUS_VIEW);
    putc('\n');
  }
  /* sret executed in M-mode leaves M for the mode in SPP. */
  for (u32 spp = 0; spp < 2; spp++) {
    csr_write(mstatus, MSTATUS_MPP | MSTATUS_SPIE | (spp ? MSTATUS_SPP : 0));
    u32 m = sret_into(mode_of_callee, 0);
    u32 s = csr_read(mstatus);
    puts("sret M->");
    put_udec(spp);
    puts(": mode ");
    put_udec(m);
    puts(" sstatus ");
    put_hex(s & SSTATUS_VIEW);
    putc('\n');
  }
  csr_write(mstatus, 0);
}

int main(void) {
  ecalls();
  mret_to_m(0);
  mret_to_m(1);
  srets();
  pass();
}
