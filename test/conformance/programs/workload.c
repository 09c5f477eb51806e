/*
 * Compiler-generated code at volume: the CPU benchmark's workload (CRC32,
 * sieve, matrix product, division, permutation walk) for a few rounds, so the
 * benchmark program itself is checked against QEMU (also built without C).
 */
#define ROUNDS 4
#include "../../../bench/programs/cpu-loop.c"
