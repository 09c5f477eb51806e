/*
 * RV32I loads and stores (unprivileged spec 20191213, 2.6): LB/LH/LW/LBU/LHU
 * sign and zero extension at every aligned offset, SB/SH/SW merging into a
 * word, positive and negative immediate offsets, little-endian byte order,
 * FENCE (2.7) and a memory-heavy loop through the compiler's own code.
 */
#include "runtime.h"

static volatile u32 words[8] = {0x8091a2b3, 0x7f6e5d4c, 0xffffffff, 0x00000000,
                                0x01020304, 0x80008000, 0x7fff7fff, 0xdeadbeef};

#define LOAD(op, off, base)                                                                        \
  ({                                                                                               \
    u32 r;                                                                                         \
    __asm__ volatile(#op " %0, " #off "(%1)" : "=r"(r) : "r"(base) : "memory");                   \
    r;                                                                                             \
  })

static void loads(void) {
  volatile u8 *b = (volatile u8 *)words;
  line("lb lbu");
  for (int i = 0; i < 32; i++) {
    u32 s, u;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(s) : "r"(b + i) : "memory");
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(u) : "r"(b + i) : "memory");
    put_hex_n((u32)i, 2);
    putc(' ');
    put_hex(s);
    putc(' ');
    put_hex(u);
    putc('\n');
  }
  line("lh lhu");
  for (int i = 0; i < 32; i += 2) {
    u32 s, u;
    __asm__ volatile("lh %0, 0(%1)" : "=r"(s) : "r"(b + i) : "memory");
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(u) : "r"(b + i) : "memory");
    put_hex_n((u32)i, 2);
    putc(' ');
    put_hex(s);
    putc(' ');
    put_hex(u);
    putc('\n');
  }
  line("lw");
  for (int i = 0; i < 32; i += 4) {
    u32 w;
    __asm__ volatile("lw %0, 0(%1)" : "=r"(w) : "r"(b + i) : "memory");
    put_hex_n((u32)i, 2);
    putc(' ');
    put_hex(w);
    putc('\n');
  }
  /* Immediate offsets, positive and negative, around a base in the middle. */
  volatile u8 *mid = b + 16;
  say("lw -16", LOAD(lw, -16, mid));
  say("lw -4", LOAD(lw, -4, mid));
  say("lw 12", LOAD(lw, 12, mid));
  say("lh -14", LOAD(lh, -14, mid));
  say("lhu -14", LOAD(lhu, -14, mid));
  say("lb -13", LOAD(lb, -13, mid));
  say("lbu 15", LOAD(lbu, 15, mid));
  /* A base far away with a large negative offset. */
  volatile u8 *far = (volatile u8 *)((uptr)b + 2048);
  say("lw -2048", LOAD(lw, -2048, far));
  volatile u8 *near = (volatile u8 *)((uptr)b - 2047 + 3);
  say("lbu 2047", LOAD(lbu, 2047, near));
}

static void stores(void) {
  static volatile u32 buf[4];
  volatile u8 *b = (volatile u8 *)buf;
  buf[0] = buf[1] = buf[2] = buf[3] = 0x11111111;
  for (int i = 0; i < 4; i++) __asm__ volatile("sb %0, 0(%1)" : : "r"(0xa0 + i), "r"(b + i));
  __asm__ volatile("sb %0, 5(%1)" : : "r"(0x12345678u), "r"(b));
  __asm__ volatile("sh %0, 8(%1)" : : "r"(0xfedcba98u), "r"(b));
  __asm__ volatile("sh %0, 14(%1)" : : "r"(0x0000beefu), "r"(b));
  __asm__ volatile("sw %0, -4(%1)" : : "r"(0xcafef00du), "r"(b + 16));
  for (int i = 0; i < 4; i++) {
    puts("buf ");
    put_hex(buf[i]);
    putc('\n');
  }
  /* Store then load of narrower widths sees the bytes just written. */
  __asm__ volatile("sw %0, 0(%1)" : : "r"(0x89abcdefu), "r"(b));
  say("lh after sw", LOAD(lh, 2, b));
  say("lbu after sw", LOAD(lbu, 1, b));
  /* Stores of x0. */
  __asm__ volatile("sw x0, 4(%0)\n sh x0, 8(%0)\n sb x0, 12(%0)" : : "r"(b) : "memory");
  say("buf1 after sw x0", buf[1]);
  say("buf2 after sh x0", buf[2]);
  say("buf3 after sb x0", buf[3]);
  /* FENCE variants are ordering only; they must execute without effect here. */
  __asm__ volatile("fence\n fence rw, rw\n fence r, r\n fence w, w\n fence i, o\n fence.tso" ::
                       : "memory");
  line("fences ok");
}

/* Compiler-generated memory traffic: insertion sort of a pseudo-random array. */
static void sort(void) {
  static u32 a[64];
  static u16 h[64];
  static u8 c[64];
  u32 x = 12345;
  for (int i = 0; i < 64; i++) {
    x = x * 1103515245u + 12345u;
    a[i] = x;
    h[i] = (u16)(x >> 7);
    c[i] = (u8)(x >> 13);
  }
  for (int i = 1; i < 64; i++) {
    u32 v = a[i];
    int j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  u32 sum = 0;
  for (int i = 0; i < 64; i++) sum = (sum << 1 | sum >> 31) ^ a[i] ^ (u32)(int)(short)h[i] ^ c[i];
  say("sorted[0]", a[0]);
  say("sorted[63]", a[63]);
  say("checksum", sum);
}

int main(void) {
  loads();
  stores();
  sort();
  pass();
}
