/*
 * Motorola MC146818 real-time clock (MC146818A datasheet; on a PC at ports
 * 0x70 = index, 0x71 = data, IRQ 8). Registers:
 *   0x00 seconds  0x02 minutes  0x04 hours  0x07 day  0x08 month  0x09 year
 *   0x32 century (PC CMOS convention)
 *   0x0A register A: bit 7 UIP, an update is in progress
 *   0x0B register B: bit 2 DM (1 = binary, 0 = BCD), bit 1 24/12 (1 = 24-hour)
 * Reading: wait until UIP is clear, read everything, read again until two
 * reads agree (so we never see half an update).
 */
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define REG_A_UIP 0x80
#define REG_B_BINARY 0x04
#define REG_B_24H 0x02

static uintptr_t io_window;
static struct device *dev;

static uint8_t cmos_read(uint8_t reg) {
    dev->io_accesses += 2;
    mmio_write8(io_window + RTC_INDEX, reg); /* bit 7 clear: NMI stays enabled */
    return mmio_read8(io_window + RTC_DATA);
}

static uint8_t bcd(uint8_t v) { return (uint8_t)((v >> 4) * 10 + (v & 15)); }

static void read_raw(uint8_t r[8]) {
    for (int i = 0; i < 1000 && (cmos_read(0x0a) & REG_A_UIP); i++) {
    }
    r[0] = cmos_read(0x00);
    r[1] = cmos_read(0x02);
    r[2] = cmos_read(0x04);
    r[3] = cmos_read(0x07);
    r[4] = cmos_read(0x08);
    r[5] = cmos_read(0x09);
    r[6] = cmos_read(0x32);
    r[7] = cmos_read(0x0b);
}

bool rtc_read(struct rtc_time *t) {
    if (!io_window) return false;
    uint8_t a[8], b[8];
    read_raw(a);
    for (int tries = 0; tries < 5; tries++) {
        read_raw(b);
        if (memcmp(a, b, 7) == 0) break;
        memcpy(a, b, sizeof a);
    }
    bool binary = b[7] & REG_B_BINARY;
    bool pm = !(b[7] & REG_B_24H) && (b[2] & 0x80);
    uint8_t hour = b[2] & 0x7f;
    for (int i = 0; i < 7; i++)
        if (!binary) b[i] = bcd(i == 2 ? hour : b[i]);
    if (binary) b[2] = hour;
    t->second = b[0];
    t->minute = b[1];
    t->hour = b[2];
    if (!(b[7] & REG_B_24H)) t->hour = t->hour % 12 + (pm ? 12 : 0);
    t->day = b[3];
    t->month = b[4];
    t->year = (b[6] ? b[6] : 20) * 100 + b[5];
    return t->month >= 1 && t->month <= 12 && t->day >= 1;
}

int rtc_probe(int node) {
    uint64_t reg, size;
    uint32_t first_port = RTC_INDEX, irq = 0;
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &first_port);
    dtb_prop_u32(node, "interrupts", &irq);
    io_window = (uintptr_t)reg - first_port;
    paging_map((uintptr_t)reg, (uintptr_t)size, PTE_R | PTE_W, "RTC");
    static struct device probe_dev;
    dev = &probe_dev;
    struct rtc_time t;
    if (!rtc_read(&t)) {
        io_window = 0;
        return -ENODEV;
    }
    unsigned long early = probe_dev.io_accesses;
    dev = device_add("rtc0", "drivers/rtc-mc146818.c",
                     "MC146818 RTC at ports 0x70/0x71 (PLIC %lu), %04d-%02d-%02d %02d:%02d:%02d UTC",
                     (unsigned long)irq, t.year, t.month, t.day, t.hour, t.minute, t.second);
    dev->io_accesses = early;
    return 0;
}
