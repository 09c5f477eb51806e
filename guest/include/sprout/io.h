/*
 * Device register access. Every device Sprout drives is memory-mapped: the
 * PLIC, the VGA text and frame buffers, and the PC's I/O ports, which sit in
 * the ISA I/O window (port N at a guest-physical base + N, DESIGN.md). Each
 * access outside RAM is a VM exit the VMM forwards to a device model, so
 * drivers count theirs (struct device.io_accesses, shown by lsdev and hv).
 */
#ifndef SPROUT_IO_H
#define SPROUT_IO_H
#include <stdint.h>

static inline uint8_t mmio_read8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline uint16_t mmio_read16(uintptr_t a) { return *(volatile uint16_t *)a; }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write16(uintptr_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

#endif
