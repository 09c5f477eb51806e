/* Sprout's common kernel definitions: types, helpers, printk, errors. */
#ifndef SPROUT_KERNEL_H
#define SPROUT_KERNEL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define __unused __attribute__((unused))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Error numbers, returned negated (the values are POSIX's, the texts our own). */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define EFBIG 27
#define ENOSPC 28
#define EROFS 30
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define EPROTO 71
#define ETIMEDOUT 110
#define ENOMEDIUM 123 /* no disk, or no file system on it */
const char *strerror(int err);

/* kernel/string.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcasecmp(const char *a, const char *b);
char *strcpy(char *dst, const char *src);
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int toupper(int c);
int tolower(int c);
bool isdigit(int c);
bool isspace(int c);
bool isprint(int c);
/* Parse an unsigned number (decimal, or hex with 0x); false if `s` is not one. */
bool parse_u32(const char *s, uint32_t *out);

/* kernel/printk.c: kernel messages go to the log (dmesg) and every console. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void printk(const char *fmt, ...) __printf(1, 2);
/* Like printk, but to the consoles only (shell output: not kept in dmesg). */
void printf(const char *fmt, ...) __printf(1, 2);
void vprintf(const char *fmt, va_list ap);
void puts_raw(const char *s, size_t n);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);
/* The kernel log since boot (a ring: the oldest text goes first). */
size_t dmesg_copy(char *buf, size_t size);
size_t dmesg_size(void);
const char *dmesg_at(size_t offset, size_t *len);

/* Boot mode, known after the device tree has been read. */
enum boot_mode { MODE_HVM, MODE_PV };
extern enum boot_mode boot_mode;
static inline bool is_pv(void) { return boot_mode == MODE_PV; }

/* kernel/main.c: orderly end of the system (sync, close devices, SBI reset). */
void __noreturn system_poweroff(void);
void __noreturn system_reboot(void);

#endif
