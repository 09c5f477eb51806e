/*
 * CPU benchmark: a CPU-bound mix of what guests spend their time on — table
 * CRC32 (byte loads, shifts, xor), a sieve of Eratosthenes (byte stores,
 * branches), an integer matrix product (mul), modular arithmetic (div/rem)
 * and a pointer-chasing permutation walk (dependent loads and stores). Runs
 * ROUNDS rounds (2048 by default: about 593 M instructions), prints a checksum
 * and stops through the test finisher.
 *
 * bench/cpu.ts builds it with several round counts and relies on every 1024
 * rounds executing exactly the same number of instructions: the work of round
 * r depends on r only through r & 1023 and data, never through branches on the
 * data, and the count is read from a volatile so that the code itself does not
 * change with it.
 */
#include "runtime.h"

#ifndef ROUNDS
#define ROUNDS 2048
#endif

static volatile u32 rounds = ROUNDS;

static u32 crc_table[256];
static u8 buffer[4096];
static u8 sieve[16384];
static i32 ma[16][16], mb[16][16], mc[16][16];
static u32 perm[2048];

static void crc_init(void) {
  for (u32 i = 0; i < 256; i++) {
    u32 c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static u32 crc32(const u8 *p, u32 n, u32 crc) {
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static u32 count_primes(u32 limit) {
  for (u32 i = 0; i < limit; i++) sieve[i] = 1;
  sieve[0] = sieve[1] = 0;
  for (u32 i = 2; i * i < limit; i++)
    if (sieve[i])
      for (u32 j = i * i; j < limit; j += i) sieve[j] = 0;
  u32 n = 0;
  for (u32 i = 0; i < limit; i++) n += sieve[i];
  return n;
}

static u32 matmul(u32 seed) {
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      seed = seed * 1664525u + 1013904223u;
      ma[i][j] = (i32)(seed >> 20) - 2048;
      mb[i][j] = (i32)(seed & 0xfff) - 2048;
    }
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      i32 s = 0;
      for (int k = 0; k < 16; k++) s += ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  u32 h = 0;
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) h = h * 31 + (u32)mc[i][j];
  return h;
}

static u32 modular(u32 seed) {
  u32 acc = 1;
  for (u32 i = 1; i < 400; i++) {
    u32 a = seed ^ (i * 2654435761u);
    u32 b = (i | 1) * 40503u + 7;
    acc += a / b + a % b;
    i32 s = (i32)(a - acc);
    acc ^= (u32)(s / (i32)(i + 3)) + (u32)(s % 17);
  }
  return acc;
}

static u32 walk(u32 seed) {
  for (u32 i = 0; i < 2048; i++) perm[i] = i;
  for (u32 i = 2047; i > 0; i--) {
    seed = seed * 1103515245u + 12345u;
    u32 j = (seed >> 8) % (i + 1);
    u32 t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  u32 p = 0, h = 0;
  for (u32 i = 0; i < 4096; i++) {
    p = perm[p];
    h += p;
  }
  return h;
}

int main(void) {
  crc_init();
  for (u32 i = 0; i < sizeof buffer; i++) buffer[i] = (u8)(i * 7 + (i >> 5));
  u32 sum = 0;
  const u32 n = rounds;
  for (u32 r = 0; r < n; r++) {
    buffer[r & 4095] ^= (u8)r;
    sum += crc32(buffer, sizeof buffer, r);
    sum ^= count_primes(8192 + (r & 1023));
    sum += matmul(r);
    sum ^= modular(r * 977u);
    sum += walk(r);
  }
  say("checksum", sum);
  pass();
}
