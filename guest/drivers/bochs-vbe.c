/*
 * The Bochs VBE "DISPI" interface of the VGA (Bochs iodev/vbe.h, as QEMU's
 * stdvga): a linear framebuffer mode set without a VESA BIOS, through an
 * index port 0x1CE and a 16-bit data port 0x1CF. A 16-bit access at an odd
 * address is misaligned on RISC-V, so we use 0x1D0, the word-aligned alias of
 * the data port that QEMU added for exactly this (non-x86 guests):
 *
 *   0 ID (0xB0C0-0xB0C5)  1 XRES  2 YRES  3 BPP  4 ENABLE  6 VIRT_WIDTH
 *   ENABLE bits: 0x01 enabled, 0x40 linear framebuffer, 0x80 do not clear memory
 *
 * With 32 bpp each pixel is a little-endian word 0x00RRGGBB in the
 * framebuffer (the DTB's tabvisor,framebuffer window). Writing ENABLE = 0
 * returns the card to VGA text mode.
 */
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/trap.h>
#include <tabvisor/platform.h>

#define VBE_INDEX 0x1ce
#define VBE_DATA 0x1d0 /* aligned alias of 0x1CF */
#define VBE_ID 0
#define VBE_XRES 1
#define VBE_YRES 2
#define VBE_BPP 3
#define VBE_ENABLE 4
#define VBE_VIRT_WIDTH 6
#define VBE_VIDEO_MEMORY_64K 0xa
#define VBE_ENABLED 0x01
#define VBE_LFB_ENABLED 0x40

static uintptr_t io_window, lfb;
static uint32_t lfb_size;
static struct device *dev;

static void vbe_write(uint16_t reg, uint16_t v) {
    dev->io_accesses += 2;
    mmio_write16(io_window + VBE_INDEX, reg);
    mmio_write16(io_window + VBE_DATA, v);
}

static uint16_t vbe_read(uint16_t reg) {
    dev->io_accesses += 2;
    mmio_write16(io_window + VBE_INDEX, reg);
    return mmio_read16(io_window + VBE_DATA);
}

bool fb_available(void) { return lfb != 0; }

int fb_set_mode(uint32_t w, uint32_t h, uint32_t bpp, struct framebuffer *fb) {
    if (!lfb) return -ENODEV;
    if ((uint64_t)w * h * (bpp / 8) > lfb_size) return -EINVAL;
    vbe_write(VBE_ENABLE, 0);
    vbe_write(VBE_XRES, (uint16_t)w);
    vbe_write(VBE_YRES, (uint16_t)h);
    vbe_write(VBE_BPP, (uint16_t)bpp);
    vbe_write(VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    if (vbe_read(VBE_XRES) != w || vbe_read(VBE_YRES) != h) return -EINVAL;
    fb->width = w;
    fb->height = h;
    fb->bpp = bpp;
    fb->pitch = vbe_read(VBE_VIRT_WIDTH) * (bpp / 8);
    fb->base = lfb;
    return 0;
}

void fb_text_mode(void) {
    if (!lfb) return;
    vbe_write(VBE_ENABLE, 0);
    vga_text_restore();
}

int bochs_vbe_probe(int node) {
    uint64_t reg, size;
    uint32_t first_port = 0x3c0, fb = 0, fb_size = 0;
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &first_port);
    io_window = (uintptr_t)reg - first_port;
    const char *where = "tabvisor,framebuffer";
    if (!dtb_prop_cell(node, "tabvisor,framebuffer", 0, &fb) || !dtb_prop_cell(node, "tabvisor,framebuffer", 1, &fb_size)) {
        fb = VGA_LFB_BASE; /* the DTB does not say: the platform's default */
        fb_size = 0;
        where = "platform default";
    }
    paging_map(io_window + VBE_INDEX, 4, PTE_R | PTE_W, "Bochs VBE ports");
    static struct device probe_dev;
    dev = &probe_dev;
    trap_probe_begin();
    uint16_t id = vbe_read(VBE_ID);
    if (trap_probe_end()) {
        printk("fb0: the VBE data port 0x%x does not answer a 16-bit access\n", VBE_DATA);
        return -ENODEV;
    }
    if (id < 0xb0c0 || id > 0xb0c5) return -ENODEV;
    uint32_t vram = (uint32_t)vbe_read(VBE_VIDEO_MEMORY_64K) * 65536;
    if (!fb_size) fb_size = vram ? vram : VGA_LFB_SIZE;
    lfb = fb;
    lfb_size = MIN(fb_size, vram ? vram : fb_size);
    paging_map(lfb, lfb_size, PTE_R | PTE_W, "VGA framebuffer");
    unsigned long early = probe_dev.io_accesses;
    dev = device_add("fb0", "drivers/bochs-vbe.c", "Bochs VBE (id 0x%x), %lu KiB framebuffer at 0x%08lx (%s)", id,
                     (unsigned long)(lfb_size / 1024), (unsigned long)lfb, where);
    dev->io_accesses = early;
    return 0;
}
