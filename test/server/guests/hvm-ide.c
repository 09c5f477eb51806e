/* HVM test guest for the disk path: an unmodified-driver style ATA PIO
 * driver (ATA/ATAPI-6 §8: IDENTIFY DEVICE, WRITE SECTORS, FLUSH CACHE, READ
 * SECTORS) on the primary channel at ports 0x1F0–0x1F7, reached through the
 * ISA I/O window, polling the Status register. It writes one sector at LBA 5
 * of its disk, flushes, reads it back, reports on COM1 and powers off. Every
 * port access is a VM exit the VM server's IDE model answers. */
#include "guest.h"

#define PORT(p) (ISA_IO_BASE + (p))
#define COM1 0x3f8
#define LSR_THRE 0x20

#define ATA_DATA 0x1f0
#define ATA_COUNT 0x1f2
#define ATA_LBA0 0x1f3
#define ATA_LBA1 0x1f4
#define ATA_LBA2 0x1f5
#define ATA_DEVICE 0x1f6
#define ATA_CMD 0x1f7 /* Status when read */
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

#define TEST_LBA 5u

static inline void outb(uint32_t port, uint8_t v) { *(volatile uint8_t *)PORT(port) = v; }
static inline uint8_t inb(uint32_t port) { return *(volatile uint8_t *)PORT(port); }
static inline void outw(uint32_t port, uint16_t v) { *(volatile uint16_t *)PORT(port) = v; }
static inline uint16_t inw(uint32_t port) { return *(volatile uint16_t *)PORT(port); }

static void putc_(char c) {
  while (!(inb(COM1 + 5) & LSR_THRE)) {
  }
  outb(COM1, (uint8_t)c);
}

static void puts_(const char *s) {
  for (; *s; s++) {
    if (*s == '\n') putc_('\r');
    putc_(*s);
  }
}

static void put_dec(uint32_t n) {
  char buf[12];
  int i = 0;
  do buf[i++] = (char)('0' + n % 10); while ((n /= 10) != 0);
  while (i) putc_(buf[--i]);
}

/* Wait for BSY to clear; returns the final Status. */
static uint8_t ata_wait(void) {
  uint8_t st;
  do st = inb(ATA_CMD); while (st & ST_BSY);
  return st;
}

static void ata_command(uint8_t cmd, uint32_t lba, uint8_t count) {
  ata_wait();
  outb(ATA_DEVICE, (uint8_t)(0xe0 | ((lba >> 24) & 0x0f))); /* master, LBA mode */
  outb(ATA_COUNT, count);
  outb(ATA_LBA0, (uint8_t)lba);
  outb(ATA_LBA1, (uint8_t)(lba >> 8));
  outb(ATA_LBA2, (uint8_t)(lba >> 16));
  outb(ATA_CMD, cmd);
}

static uint16_t sector[256];

static void fail(const char *what, uint8_t st) {
  puts_("hvm-ide: FAILED ");
  puts_(what);
  puts_(" status ");
  put_dec(st);
  puts_("\n");
  sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSTEM_FAILURE);
}

void c_start(unsigned long hartid, const void *dtb) {
  (void)hartid;
  (void)dtb;
  outb(COM1 + 3, 0x03);
  puts_("hvm-ide: probing the primary master\n");

  ata_command(0xec, 0, 0); /* IDENTIFY DEVICE */
  uint8_t st = ata_wait();
  if ((st & ST_ERR) || !(st & ST_DRQ)) fail("IDENTIFY", st);
  for (int i = 0; i < 256; i++) sector[i] = inw(ATA_DATA);
  /* Words 60–61: total user-addressable sectors (28-bit). */
  uint32_t sectors = (uint32_t)sector[60] | ((uint32_t)sector[61] << 16);
  puts_("hvm-ide: disk has ");
  put_dec(sectors);
  puts_(" sectors\n");

  for (int i = 0; i < 256; i++) sector[i] = (uint16_t)(0x5400 + i);
  const char *tag = "TABVISOR HVM IDE SECTOR 5";
  for (int i = 0; tag[i]; i++) ((uint8_t *)sector)[i] = (uint8_t)tag[i];

  ata_command(0x30, TEST_LBA, 1); /* WRITE SECTORS */
  st = ata_wait();
  if ((st & ST_ERR) || !(st & ST_DRQ)) fail("WRITE SECTORS", st);
  for (int i = 0; i < 256; i++) outw(ATA_DATA, sector[i]);
  st = ata_wait();
  if (st & ST_ERR) fail("WRITE SECTORS data", st);

  ata_command(0xe7, 0, 0); /* FLUSH CACHE */
  st = ata_wait();
  if (st & ST_ERR) fail("FLUSH CACHE", st);

  ata_command(0x20, TEST_LBA, 1); /* READ SECTORS */
  st = ata_wait();
  if ((st & ST_ERR) || !(st & ST_DRQ)) fail("READ SECTORS", st);
  uint32_t bad = 0;
  for (int i = 0; i < 256; i++)
    if (inw(ATA_DATA) != sector[i]) bad++;
  if (bad) fail("read back", (uint8_t)bad);
  puts_("hvm-ide: wrote, flushed and read back LBA 5\n");
  sbi_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NO_REASON);
}
