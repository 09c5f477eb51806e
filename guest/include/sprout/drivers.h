/* Driver entry points, called from kernel/main.c in boot order. */
#ifndef SPROUT_DRIVERS_H
#define SPROUT_DRIVERS_H
#include <stdbool.h>
#include <stdint.h>

int plic_init(int node);
void plic_enable(uint32_t source, bool on);
uint32_t plic_claim(void);
void plic_complete(uint32_t source);
bool plic_present(void);

int uart16550_probe(int node);
int vga_text_probe(int node);
int ps2_keyboard_probe(int node);
int rtc_probe(int node);
int ata_probe(int node);
int bochs_vbe_probe(int node);
int ne2000_probe(int node);

/* Bochs VBE framebuffer (drivers/bochs-vbe.c), for the gfx command. */
struct framebuffer {
    uint32_t width, height, bpp, pitch;
    uintptr_t base;
};
bool fb_available(void);
int fb_set_mode(uint32_t w, uint32_t h, uint32_t bpp, struct framebuffer *fb);
void fb_text_mode(void);

/* VGA text screen (drivers/vga-text.c): redraw after the framebuffer demo. */
void vga_text_restore(void);
bool vga_text_present(void);

/* MC146818 RTC (drivers/rtc-mc146818.c) */
struct rtc_time {
    int year, month, day, hour, minute, second;
};
bool rtc_read(struct rtc_time *t);

/* PV front ends */
int xencons_init(void);
void xencons_flush(void);
int blkfront_probe(void);
void blkfront_shutdown(void);
int netfront_probe(void);
void netfront_shutdown(void);

#endif
