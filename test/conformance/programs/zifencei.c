/*
 * Zifencei (unprivileged spec 20191213, chapter 3): code written with stores
 * and then synchronised with FENCE.I executes as written, both for a fresh
 * buffer and for an instruction patched in place after it already ran
 * (32-bit and 16-bit encodings). What runs without FENCE.I is unspecified, so
 * it is never observed.
 */
#include "runtime.h"

static u32 code[16] __attribute__((aligned(64)));

typedef u32 (*fn_t)(void);

/* li a0, imm (addi a0, x0, imm) and ret (jalr x0, 0(ra)). */
static u32 enc_li_a0(i32 imm) { return ((u32)imm << 20) | (10u << 7) | 0x13u; }
#define ENC_RET 0x00008067u

static void run(const char *what) {
  __asm__ volatile("fence.i" ::: "memory");
  u32 r = ((fn_t)(uptr)code)();
  say(what, r);
}

int main(void) {
  code[0] = enc_li_a0(0x123);
  code[1] = ENC_RET;
  run("fresh code");
  code[0] = enc_li_a0(-7);
  run("patched 32-bit");
  /* Two instructions: addi a0, x0, 100; addi a0, a0, 23; ret. */
  code[0] = enc_li_a0(100);
  code[1] = (23u << 20) | (10u << 15) | (10u << 7) | 0x13u;
  code[2] = ENC_RET;
  run("two instructions");
  code[1] = (1000u << 20) | (10u << 15) | (10u << 7) | 0x13u;
  run("patched second");
  /* 16-bit: c.li a0, 21; c.jr ra. */
  volatile u16 *h = (volatile u16 *)code;
  h[0] = 0x4555; /* c.li a0, 21 */
  h[1] = 0x8082; /* c.jr ra */
  run("compressed");
  h[0] = 0x5569; /* c.li a0, -6 */
  run("patched compressed");
  /* A c.nop that already ran, replaced by a c.addi. */
  h[0] = 0x4501;  /* c.li a0, 0 */
  h[1] = 0x0001;  /* c.nop, to be replaced by c.addi a0, 5 */
  h[2] = 0x8082;  /* c.jr ra */
  run("before nop patch");
  h[1] = 0x0515; /* c.addi a0, 5 */
  run("after nop patch");
  pass();
}
