/* The devices Sprout bound at boot, for the boot log, lsdev and hv. */
#ifndef SPROUT_DEVICE_H
#define SPROUT_DEVICE_H
#include <stdint.h>
#include "kernel.h"

struct device {
    char name[16];        /* com1, vga0, xvda ... */
    const char *driver;   /* the file in drivers/ or xen/ that drives it */
    char info[96];        /* where it is: addresses, IRQ, size */
    unsigned long io_accesses; /* register accesses the driver made (each one a VM exit) */
    unsigned long irqs;   /* interrupts handled */
};

struct device *device_add(const char *name, const char *driver, const char *fmt, ...) __printf(3, 4);
int device_count(void);
struct device *device_at(int i);

#endif
