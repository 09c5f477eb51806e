/*
 * gfx: the framebuffer demo (HVM). Switches the Bochs VBE to 320x240 at
 * 32 bits per pixel, draws the Mandelbrot set in fixed-point arithmetic
 * (each pixel is one store to the framebuffer, one VM exit), waits for a
 * key and goes back to the text screen.
 */
#include <sprout/console.h>
#include <sprout/drivers.h>
#include <sprout/io.h>
#include <sprout/kernel.h>
#include <sprout/shell.h>
#include <sprout/timer.h>

#define W 320
#define H 240
#define ITER 48

static uint32_t colour(int n) {
    if (n >= ITER) return 0x000000;
    uint32_t t = (uint32_t)(n * 255 / ITER);
    return (t << 16) | ((255 - t) / 2 << 8) | (uint32_t)(128 + t / 2); /* 0x00RRGGBB */
}

static int cmd_gfx(int argc, char **argv) {
    struct framebuffer fb;
    if (!fb_available()) {
        printf("gfx: no framebuffer (%s)\n", is_pv() ? "PV guests have no VGA" : "no Bochs VBE device");
        return -ENODEV;
    }
    int r = fb_set_mode(W, H, 32, &fb);
    if (r) return shell_error("gfx", "set mode", r);
    uint64_t t0 = timer_ms();
    /* z = z^2 + c in 16.16 fixed point, c over [-2.2, 1.0] x [-1.2, 1.2]. */
    for (int y = 0; y < H; y++) {
        int32_t ci = -78643 + y * (157286 / H);
        for (int x = 0; x < W; x++) {
            int32_t cr = -144179 + x * (209715 / W);
            int32_t zr = 0, zi = 0;
            int n = 0;
            for (; n < ITER; n++) {
                int64_t zr2 = (int64_t)zr * zr >> 16, zi2 = (int64_t)zi * zi >> 16;
                if (zr2 + zi2 > (4 << 16)) break;
                zi = (int32_t)(((int64_t)zr * zi >> 15) + ci);
                zr = (int32_t)(zr2 - zi2 + cr);
            }
            mmio_write32(fb.base + (uintptr_t)y * fb.pitch + (uintptr_t)x * 4, colour(n));
        }
    }
    uint64_t ms = timer_ms() - t0;
    printf("gfx: %ux%u, %u bpp Mandelbrot drawn in %lu ms; press a key for the text screen\n", W, H, 32, (unsigned long)ms);
    console_getc();
    fb_text_mode();
    return 0;
}

const struct command gfx_commands[] = {
    {"gfx", "", "framebuffer demo (HVM): draws, waits for a key", cmd_gfx},
    {0, 0, 0, 0},
};
