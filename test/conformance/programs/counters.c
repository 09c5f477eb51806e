/*
 * Counters (unprivileged spec 20191213 chapter 10, privileged spec 1.12 3.1.10-3.1.11):
 * mcycle/minstret and their user aliases cycle/instret/time (and the high
 * halves) are readable and count up; minstret/mcycle are writable; time is a
 * view of the CLINT's mtime; mcounteren and scounteren gate the user aliases
 * in S and U (illegal instruction when the bit is clear). Only orderings and
 * the outcome of accesses are printed, never counter values.
 */
#include "runtime.h"

static u32 rd_time(void) { return csr_read(time); }
static u32 rd_cycle(void) { return csr_read(cycle); }
static u32 rd_instret(void) { return csr_read(instret); }

static void counting(void) {
  u32 c0 = csr_read(mcycle), i0 = csr_read(minstret);
  volatile u32 x = 0;
  for (int k = 0; k < 100; k++) x += (u32)k;
  u32 c1 = csr_read(mcycle), i1 = csr_read(minstret);
  say("mcycle advanced", c1 != c0);
  say("minstret advanced", i1 != i0);
  say("cycle readable", rd_cycle() != 0 || csr_read(cycleh) != 0);
  say("instret advanced", rd_instret() != i0);
  (void)csr_read(instreth);
  (void)csr_read(mcycleh);
  (void)csr_read(minstreth);
  (void)csr_read(timeh);

  /* Writes take effect (3.1.10): a small value reads back small. */
  csr_write(minstret, 0);
  csr_write(minstreth, 0);
  u32 i2 = csr_read(minstret), i2h = csr_read(minstreth);
  say("minstret after write 0 is small", i2 < (1u << 24) && i2h == 0);
  csr_write(mcycle, 0);
  csr_write(mcycleh, 0);
  u32 c2 = csr_read(mcycle), c2h = csr_read(mcycleh);
  say("mcycle after write 0 is small", c2 < (1u << 24) && c2h == 0);
  csr_write(minstreth, 5);
  say("minstreth holds", csr_read(minstreth));
  csr_write(minstreth, 0);
}

static void time_is_mtime(void) {
  u32 a = mmio_read32(CLINT_MTIME);
  u32 t = rd_time();
  u32 b = mmio_read32(CLINT_MTIME);
  say("mtime <= time <= mtime", a <= t && t <= b);
  /* time advances (bounded wait, so a frozen clock prints 0, not a hang). */
  u32 start = rd_time(), moved = 0;
  for (u32 k = 0; k < 5000000 && !moved; k++) moved = rd_time() != start;
  say("time advances", moved);
}

static u32 read_counters(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  (void)rd_cycle();
  (void)rd_time();
  (void)rd_instret();
  return m_trap_count - before;
}

static void gating(void) {
  csr_write(mcounteren, 0);
  csr_write(scounteren, 0);
  line("mcounteren=0: S");
  say("traps", enter_mode(PRV_S, read_counters, 0, 0));
  line("mcounteren=0: U");
  say("traps", enter_mode(PRV_U, read_counters, 0, 0));
  csr_write(mcounteren, 7);
  line("mcounteren=7 scounteren=0: S");
  say("traps", enter_mode(PRV_S, read_counters, 0, 0));
  line("mcounteren=7 scounteren=0: U");
  say("traps", enter_mode(PRV_U, read_counters, 0, 0));
  csr_write(scounteren, 7);
  line("mcounteren=7 scounteren=7: U");
  say("traps", enter_mode(PRV_U, read_counters, 0, 0));
  csr_write(mcounteren, 2); /* TM only */
  line("mcounteren=TM scounteren=7: U");
  say("traps", enter_mode(PRV_U, read_counters, 0, 0));
  csr_write(mcounteren, 0);
  csr_write(scounteren, 0);
}

int main(void) {
  counting();
  time_is_mtime();
  gating();
  pass();
}
