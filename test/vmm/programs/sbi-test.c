/* One program, two builds (see Makefile): everything it prints must be the
 * same whether it runs as an SBI guest under the VMM or bare on QEMU virt. */
#include <stdint.h>
#include "platform.h"

extern void trap_entry(void);

static void puts_(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  plat_write(s, n);
}

static void put_hex(uint32_t v) {
  char buf[10] = {'0', 'x'};
  for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
  plat_write(buf, 10);
}

static void put_dec(uint64_t v) {
  char buf[24];
  int i = 24;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  plat_write(buf + i, (unsigned)(24 - i));
}

static void line(const char *label, uint32_t v) {
  puts_(label);
  put_hex(v);
  plat_putc('\n');
}

/* ---- flattened device tree: find a u32 property (DT spec v0.4 ch. 5) ---- */
static uint32_t be32(const void *p) {
  const uint8_t *b = p;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
static int prefix(const char *s, const char *p) {
  while (*p && *s == *p) s++, p++;
  return *p == 0 && (*s == 0 || *s == '@');
}
/* Value of `prop` in the node /`node` (depth 1), or `dflt`. */
static uint32_t fdt_u32(const void *fdt, const char *node, const char *prop, uint32_t dflt) {
  const uint8_t *base = fdt;
  if (be32(base) != 0xd00dfeed) return dflt;
  const uint8_t *p = base + be32(base + 8);
  const char *strings = (const char *)base + be32(base + 12);
  int depth = 0, in_node = 0;
  for (;;) {
    uint32_t tok = be32(p);
    p += 4;
    if (tok == 1) {
      const char *name = (const char *)p;
      unsigned len = 0;
      while (name[len]) len++;
      p += (len + 4) & ~3u;
      depth++;
      in_node = depth == 2 && prefix(name, node);
    } else if (tok == 2) {
      depth--;
      in_node = 0;
    } else if (tok == 3) {
      uint32_t len = be32(p), nameoff = be32(p + 4);
      if (in_node && streq(strings + nameoff, prop) && len >= 4) return be32(p + 8);
      p += 8 + ((len + 3) & ~3u);
    } else if (tok == 4) {
      continue;
    } else {
      return dflt;
    }
  }
}

/* ---- traps ---- */
static volatile unsigned timer_ticks, soft_irqs, exceptions;
static volatile unsigned long last_exception;

unsigned long trap_handler(unsigned long cause, unsigned long epc, unsigned long tval) {
  (void)tval;
  if ((long)cause < 0) {
    unsigned long irq = cause & 0x7fffffff;
    if (irq == plat_irq_timer) {
      timer_ticks++;
      if (timer_ticks < 3) plat_timer_arm(plat_time() + 5000);
      else plat_timer_disarm();
    } else if (irq == plat_irq_soft) {
      soft_irqs++;
      plat_ipi_clear();
    }
    return epc;
  }
  exceptions++;
  last_exception = cause;
  /* Skip the faulting instruction: 2 bytes if compressed, else 4. */
  uint16_t low = *(volatile uint16_t *)epc;
  return epc + ((low & 3) == 3 ? 4 : 2);
}

/* ---- computation ---- */
static uint32_t crc32(const uint8_t *p, unsigned n) {
  uint32_t c = 0xffffffff;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c;
}

static uint8_t buf[4096];
static uint8_t sieve[20000];

static void test_arith(void) {
  volatile int32_t m = INT32_MIN, neg1 = -1, zero = 0, seven = 7, big = 0x7fffffff;
  line("div INT_MIN/-1: ", (uint32_t)(m / neg1));
  line("rem INT_MIN/-1: ", (uint32_t)(m % neg1));
  line("div 7/0: ", (uint32_t)(seven / zero));
  line("rem 7/0: ", (uint32_t)(seven % zero));
  line("divu 7/0: ", (uint32_t)seven / (uint32_t)zero);
  line("mulh: ", (uint32_t)(((int64_t)big * (int64_t)m) >> 32));
  line("mulhu: ", (uint32_t)(((uint64_t)(uint32_t)m * (uint64_t)(uint32_t)neg1) >> 32));
  line("mulhsu: ", (uint32_t)(((int64_t)m * (int64_t)(uint64_t)(uint32_t)neg1) >> 32));
  uint64_t f = 1;
  for (int i = 1; i <= 20; i++) f *= (uint64_t)i;
  puts_("20! = ");
  put_dec(f);
  puts_("\n");
  puts_("20! / 1234567 = ");
  put_dec(f / 1234567u);
  puts_("\n");
}

static void test_memory(void) {
  uint32_t x = 0x12345678;
  for (unsigned i = 0; i < sizeof buf; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  line("crc32: ", crc32(buf, sizeof buf));
  unsigned primes = 0;
  for (unsigned i = 2; i < sizeof sieve; i++) {
    if (sieve[i]) continue;
    primes++;
    for (unsigned j = i * 2; j < sizeof sieve; j += i) sieve[j] = 1;
  }
  puts_("primes below 20000: ");
  put_dec(primes);
  puts_("\n");
  /* Misaligned-free halfword/byte sign extension. */
  volatile int16_t h = (int16_t)0x8001;
  volatile int8_t b = (int8_t)0x80;
  line("lh sign: ", (uint32_t)(int32_t)h);
  line("lb sign: ", (uint32_t)(int32_t)b);
}

static void test_atomics(void) {
  static volatile uint32_t word = 5;
  uint32_t old;
  __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(&word), "r"(10) : "memory");
  line("amoadd old: ", old);
  line("amoadd new: ", word);
  uint32_t v, fail;
  do {
    __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(&word) : "memory");
    v *= 3;
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(fail) : "r"(&word), "r"(v) : "memory");
  } while (fail);
  line("lr/sc: ", word);
  __asm__ volatile("amomaxu.w %0, %2, (%1)" : "=r"(old) : "r"(&word), "r"(0xfffffff0u) : "memory");
  line("amomaxu: ", word);
}

static void test_traps(void) {
  plat_set_trap_vector(trap_entry);
  __asm__ volatile(".word 0x00000000"); /* illegal instruction (all zeros) */
  line("illegal instruction cause: ", (uint32_t)last_exception);
  __asm__ volatile("ebreak");
  line("ebreak cause: ", (uint32_t)last_exception);
  line("exceptions: ", exceptions);

  plat_irq_enable(plat_irq_soft, 1);
  plat_irqs_global(1);
  plat_ipi_self();
  for (int spin = 0; spin < 1000000 && soft_irqs == 0; spin++) {
  }
  line("software interrupts: ", soft_irqs);

  plat_irq_enable(plat_irq_timer, 1);
  uint64_t start = plat_time();
  plat_timer_arm(start + 5000);
  while (timer_ticks < 3) plat_wfi();
  uint64_t elapsed = plat_time() - start;
  line("timer interrupts: ", timer_ticks);
  puts_(elapsed >= 15000 ? "timer waited at least 1.5 ms\n" : "timer fired early\n");
  plat_irqs_global(0);
}

void c_start(unsigned long hartid, const void *dtb) {
  plat_init(hartid, dtb);
  puts_("sbi-test: hello\n");
  line("hart: ", (uint32_t)hartid);
  line("fdt magic: ", be32(dtb));
  puts_("timebase-frequency: ");
  put_dec(fdt_u32(dtb, "cpus", "timebase-frequency", 0));
  puts_("\n");
  test_arith();
  test_memory();
  test_atomics();
  test_traps();
  puts_("platform self-test failures: ");
  put_dec((uint64_t)plat_selftest());
  puts_("\nsbi-test: done\n");
  plat_exit(0);
}
