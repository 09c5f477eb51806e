/* GCC may emit calls to these for struct copies and zeroing even with
   -ffreestanding (GCC manual, "Standards": memcpy, memmove, memset, memcmp). */
#include "runtime.h"

typedef __SIZE_TYPE__ size_t;

void *memset(void *dst, int c, size_t n) {
  u8 *d = dst;
  while (n--) *d++ = (u8)c;
  return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
  u8 *d = dst;
  const u8 *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const u8 *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}
