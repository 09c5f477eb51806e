/*
 * ATA disk, PIO mode (ANSI INCITS 361-2002 "AT Attachment with Packet
 * Interface - 6", ATA/ATAPI-6): the primary IDE channel of a PC, command
 * block at ports 0x1F0-0x1F7, control block at 0x3F6, ISA IRQ 14.
 *
 *   0x1F0 data (16-bit)           0x1F1 error (r) / features (w)
 *   0x1F2 sector count            0x1F3-0x1F5 LBA bits 0-7, 8-15, 16-23
 *   0x1F6 device: 0xE0 = LBA addressing, device 0 (+ LBA bits 24-27)
 *   0x1F7 status (r) / command (w)
 *   0x3F6 alternate status (r) / device control (w): nIEN (bit 1) masks INTRQ
 *   status: BSY 0x80, DRDY 0x40, DF 0x20, DRQ 0x08, ERR 0x01
 *
 * Protocols (ATA-6 §9): PIO data-in (IDENTIFY DEVICE, READ SECTORS): the
 * device raises INTRQ when each sector is ready, we read Status (which
 * clears INTRQ) and 256 data words. PIO data-out (WRITE SECTORS): we wait for
 * DRQ, write a sector, and the device interrupts when it wants the next one
 * and once more at the end. Non-data (FLUSH CACHE): one interrupt at the end.
 * 48-bit commands (READ/WRITE SECTORS EXT) write each LBA register twice,
 * high byte first; as Linux does, we use them only for sectors beyond the
 * 28-bit limit (2^28 sectors, 128 GiB), and only if IDENTIFY word 83 bit 10
 * says the device has them.
 *
 * The sleeping is interrupt-driven: the vCPU waits in wait_for_interrupt()
 * until the IRQ 14 handler has seen the device interrupt, so a disk access
 * costs exits for the registers only, not for busy-polling.
 */
#include <sprout/block.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/timer.h>

#define ATA_DATA 0
#define ATA_ERROR 1
#define ATA_FEATURES 1
#define ATA_COUNT 2
#define ATA_LBA0 3
#define ATA_LBA1 4
#define ATA_LBA2 5
#define ATA_DEVICE 6
#define ATA_STATUS 7
#define ATA_COMMAND 7

#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DF 0x20
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define DEV_LBA 0xe0

#define CMD_READ_SECTORS 0x20
#define CMD_READ_SECTORS_EXT 0x24
#define CMD_WRITE_SECTORS 0x30
#define CMD_WRITE_SECTORS_EXT 0x34
#define CMD_FLUSH_CACHE 0xe7
#define CMD_FLUSH_CACHE_EXT 0xea
#define CMD_IDENTIFY 0xec

#define TIMEOUT_MS 5000
#define LBA28_LIMIT 0x10000000u
#define MAX_SECTORS 256 /* per command: a sector count of 0 means 256 */

struct ata {
    struct block_device bd;
    uintptr_t cmd, ctl; /* guest-physical addresses of ports 0x1F0 and 0x3F6 */
    bool lba48;
    volatile bool irq;  /* set by the interrupt handler */
    volatile uint8_t irq_status;
    bool polling;       /* the device never interrupted: poll instead */
    struct device *dev;
};
static struct ata ata0;

static uint8_t reg_in(struct ata *a, unsigned r) {
    a->dev->io_accesses++;
    return mmio_read8(a->cmd + r);
}
static void reg_out(struct ata *a, unsigned r, uint8_t v) {
    a->dev->io_accesses++;
    mmio_write8(a->cmd + r, v);
}
static uint8_t alt_status(struct ata *a) {
    a->dev->io_accesses++;
    return mmio_read8(a->ctl);
}

static void ata_interrupt(void *arg) {
    struct ata *a = arg;
    a->dev->irqs++;
    a->irq_status = reg_in(a, ATA_STATUS); /* reading Status clears INTRQ */
    a->irq = true;
}

/*
 * Wait for BSY to clear, polling the alternate status (which leaves INTRQ
 * alone). After a short spin the vCPU sleeps between polls, so a device
 * model that answers later (on the host's time) is not starved of it.
 */
static int wait_not_busy(struct ata *a, uint8_t *status) {
    uint64_t until = timer_deadline_ms(TIMEOUT_MS);
    uint8_t s;
    for (unsigned spins = 0; (s = alt_status(a)) & ST_BSY; spins++) {
        if (timer_now() > until) return -ETIMEDOUT;
        if (spins >= 32) {
            timer_arm(timer_now() + timer_hz() / 10000); /* 100 us */
            wait_for_interrupt();
        }
    }
    *status = s;
    return 0;
}

/* Wait for the device's interrupt; returns its status. */
static int wait_irq(struct ata *a, uint8_t *status) {
    if (!a->polling) {
        uint64_t until = timer_deadline_ms(TIMEOUT_MS);
        while (!a->irq && timer_now() < until) {
            timer_arm(until);
            wait_for_interrupt();
        }
        if (a->irq) {
            a->irq = false;
            *status = a->irq_status;
            if (*status & ST_BSY) return wait_not_busy(a, status);
            return 0;
        }
        printk("%s: no interrupt from the device, polling from now on\n", a->bd.name);
        a->polling = true;
    }
    int r = wait_not_busy(a, status);
    if (r == 0) *status = reg_in(a, ATA_STATUS);
    return r;
}

static int check_status(struct ata *a, uint8_t status, const char *what) {
    if (status & (ST_ERR | ST_DF)) {
        uint8_t err = reg_in(a, ATA_ERROR);
        printk("%s: %s: status 0x%02x error 0x%02x\n", a->bd.name, what, status, err);
        return -EIO;
    }
    return 0;
}

/* 48-bit addressing for this request? Only where 28 bits do not reach. */
static bool needs_lba48(uint64_t lba, uint32_t count) { return lba + count > LBA28_LIMIT; }

static void select_lba(struct ata *a, uint64_t lba, uint32_t count) {
    if (needs_lba48(lba, count)) {
        reg_out(a, ATA_DEVICE, 0x40);
        reg_out(a, ATA_COUNT, (uint8_t)(count >> 8)); /* "previous" contents first */
        reg_out(a, ATA_LBA0, (uint8_t)(lba >> 24));
        reg_out(a, ATA_LBA1, (uint8_t)(lba >> 32));
        reg_out(a, ATA_LBA2, (uint8_t)(lba >> 40));
    } else {
        reg_out(a, ATA_DEVICE, (uint8_t)(DEV_LBA | ((lba >> 24) & 0x0f)));
    }
    reg_out(a, ATA_COUNT, (uint8_t)count);
    reg_out(a, ATA_LBA0, (uint8_t)lba);
    reg_out(a, ATA_LBA1, (uint8_t)(lba >> 8));
    reg_out(a, ATA_LBA2, (uint8_t)(lba >> 16));
}

static void read_words(struct ata *a, uint16_t *buf, unsigned n) {
    volatile uint16_t *data = (volatile uint16_t *)(a->cmd + ATA_DATA);
    a->dev->io_accesses += n;
    for (unsigned i = 0; i < n; i++) buf[i] = *data;
}

static void write_words(struct ata *a, const uint16_t *buf, unsigned n) {
    volatile uint16_t *data = (volatile uint16_t *)(a->cmd + ATA_DATA);
    a->dev->io_accesses += n;
    for (unsigned i = 0; i < n; i++) *data = buf[i];
}

/* PIO data-in for `count` sectors (1..256, or up to 65536 with LBA48). */
static int pio_read(struct ata *a, uint64_t lba, uint32_t count, uint8_t *buf) {
    uint8_t s;
    if (wait_not_busy(a, &s)) return -ETIMEDOUT;
    a->irq = false;
    select_lba(a, lba, count);
    reg_out(a, ATA_COMMAND, needs_lba48(lba, count) ? CMD_READ_SECTORS_EXT : CMD_READ_SECTORS);
    for (uint32_t i = 0; i < count; i++) {
        int r = wait_irq(a, &s);
        if (r) return r;
        if ((r = check_status(a, s, "read"))) return r;
        if (!(s & ST_DRQ)) return -EIO;
        read_words(a, (uint16_t *)(buf + i * SECTOR_SIZE), SECTOR_SIZE / 2);
    }
    return 0;
}

static int pio_write(struct ata *a, uint64_t lba, uint32_t count, const uint8_t *buf) {
    uint8_t s;
    if (wait_not_busy(a, &s)) return -ETIMEDOUT;
    a->irq = false;
    select_lba(a, lba, count);
    reg_out(a, ATA_COMMAND, needs_lba48(lba, count) ? CMD_WRITE_SECTORS_EXT : CMD_WRITE_SECTORS);
    /* The first sector goes when DRQ is set; no interrupt announces it. */
    int r = wait_not_busy(a, &s);
    if (r) return r;
    for (uint32_t i = 0; i < count; i++) {
        if ((r = check_status(a, s, "write"))) return r;
        if (!(s & ST_DRQ)) return -EIO;
        write_words(a, (const uint16_t *)(buf + i * SECTOR_SIZE), SECTOR_SIZE / 2);
        if ((r = wait_irq(a, &s))) return r;
    }
    return check_status(a, s, "write");
}

static int ata_read(struct block_device *bd, uint64_t lba, uint32_t count, void *buf) {
    struct ata *a = bd->priv;
    while (count) {
        uint32_t n = MIN(count, MAX_SECTORS);
        int r = pio_read(a, lba, n, buf);
        if (r) return r;
        lba += n, count -= n, buf = (uint8_t *)buf + n * SECTOR_SIZE;
    }
    return 0;
}

static int ata_write(struct block_device *bd, uint64_t lba, uint32_t count, const void *buf) {
    struct ata *a = bd->priv;
    while (count) {
        uint32_t n = MIN(count, MAX_SECTORS);
        int r = pio_write(a, lba, n, buf);
        if (r) return r;
        lba += n, count -= n, buf = (const uint8_t *)buf + n * SECTOR_SIZE;
    }
    return 0;
}

static int ata_flush(struct block_device *bd) {
    struct ata *a = bd->priv;
    uint8_t s;
    if (wait_not_busy(a, &s)) return -ETIMEDOUT;
    a->irq = false;
    reg_out(a, ATA_DEVICE, DEV_LBA);
    reg_out(a, ATA_COMMAND, a->lba48 && a->bd.sectors > LBA28_LIMIT ? CMD_FLUSH_CACHE_EXT : CMD_FLUSH_CACHE);
    int r = wait_irq(a, &s);
    return r ? r : check_status(a, s, "flush");
}

/* IDENTIFY strings are byte-swapped within each word (ATA-6 §8.15.8). */
static void ata_string(const uint16_t *w, int words, char *out) {
    for (int i = 0; i < words; i++) {
        out[2 * i] = (char)(w[i] >> 8);
        out[2 * i + 1] = (char)w[i];
    }
    int n = words * 2;
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = 0;
}

int ata_probe(int node) {
    struct ata *a = &ata0;
    uint64_t reg, size;
    uint32_t p0 = 0x1f0, p1 = 0x3f6, irq = 0, isa_irq = 14;
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &p0);
    dtb_prop_cell(node, "tabvisor,isa-ports", 2, &p1);
    dtb_prop_u32(node, "interrupts", &irq);
    dtb_prop_u32(node, "tabvisor,isa-irq", &isa_irq);
    uintptr_t window = (uintptr_t)reg - p0;
    a->cmd = (uintptr_t)reg;
    a->ctl = window + p1;
    paging_map(a->cmd, 8, PTE_R | PTE_W, "ATA command block");
    paging_map(a->ctl, 1, PTE_R | PTE_W, "ATA control block");
    static struct device probe_dev;
    a->dev = &probe_dev;

    /* Device 0, interrupts on. A floating bus reads 0xFF: no controller. */
    reg_out(a, ATA_DEVICE, DEV_LBA);
    a->dev->io_accesses++;
    mmio_write8(a->ctl, 0); /* nIEN = 0 */
    if (alt_status(a) == 0xff) return -ENODEV;
    uint8_t s;
    if (wait_not_busy(a, &s)) return -ETIMEDOUT;
    if (irq) irq_register(irq, ata_interrupt, a, "ata0");
    a->irq = false;
    reg_out(a, ATA_COMMAND, CMD_IDENTIFY);
    if (alt_status(a) == 0) return -ENODEV; /* no device 0 */
    int r = wait_irq(a, &s);
    if (r) return r;
    if ((s & ST_ERR) || !(s & ST_DRQ)) return -ENODEV; /* an ATAPI device aborts IDENTIFY DEVICE */
    uint16_t id[256];
    read_words(a, id, 256);
    a->lba48 = (id[83] & (1u << 10)) != 0;
    uint64_t sectors = a->lba48 ? ((uint64_t)id[103] << 48 | (uint64_t)id[102] << 32 | (uint64_t)id[101] << 16 | id[100])
                                : ((uint32_t)id[61] << 16 | id[60]);
    if (a->lba48 && sectors == 0) sectors = (uint32_t)id[61] << 16 | id[60];
    if (!a->lba48 && sectors > LBA28_LIMIT) sectors = LBA28_LIMIT;
    struct block_device *bd = &a->bd;
    strlcpy(bd->name, "ata0", sizeof bd->name);
    bd->driver = "drivers/ata-pio.c";
    bd->sectors = sectors;
    ata_string(&id[27], 20, bd->model);
    bd->read = ata_read;
    bd->write = ata_write;
    bd->flush = ata_flush;
    bd->priv = a;
    unsigned long early = probe_dev.io_accesses, early_irqs = probe_dev.irqs;
    a->dev = device_add("ata0", "drivers/ata-pio.c", "ATA disk \"%s\", ports 0x%lx/0x%lx, ISA IRQ %lu (PLIC %lu), LBA%s",
                        bd->model, (unsigned long)p0, (unsigned long)p1, (unsigned long)isa_irq,
                        (unsigned long)irq, a->lba48 ? "48" : "28");
    a->dev->io_accesses = early;
    a->dev->irqs = early_irqs;
    block_register(bd);
    return 0;
}
