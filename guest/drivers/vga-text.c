/*
 * VGA text mode (IBM VGA Technical Reference; FreeVGA's register notes).
 * Mode 3, as the "BIOS" left it: 80x25 cells in the colour text buffer at ISA
 * memory 0xB8000 (the DTB's tabvisor,isa-memory), each cell a 16-bit word:
 * character (code page 437) in the low byte, attribute in the high byte
 * (background colour << 4 | foreground colour).
 *
 * The CRT controller is at ports 0x3D4 (index) / 0x3D5 (data); a 16-bit
 * write to 0x3D4 sets index and data in one go. Its registers we use:
 *   0x0A/0x0B  cursor start/end scan line      0x0C/0x0D  start address (high/low)
 *   0x0E/0x0F  cursor location (high/low), in cells from the buffer start
 *
 * Scrolling moves the start address instead of copying the screen: the 32 KiB
 * buffer holds 204 rows, so the screen glides down it and is copied back to
 * the top only once every ~180 lines. Every cell write is one VM exit, so this
 * matters. A small ANSI/VT100 subset (cursor moves, erase, colours) lets the
 * shell's line editor drive the screen and the serial terminal alike.
 */
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <tabvisor/platform.h>

#define COLS 80
#define ROWS 25
#define BUFFER_ROWS (0x8000 / 2 / COLS) /* 204 */
#define CRTC_INDEX 0x3d4
#define CRTC_START_HIGH 0x0c
#define CRTC_START_LOW 0x0d
#define CRTC_CURSOR_HIGH 0x0e
#define CRTC_CURSOR_LOW 0x0f
#define DEFAULT_ATTR 0x07 /* light grey on black */

static uintptr_t io_window; /* guest-physical address of port 0 */
static volatile uint16_t *text;
static struct device *dev;
static uint16_t shadow[ROWS][COLS]; /* what is on screen, for the copy back to the top */
static int top;                     /* buffer row shown at the top of the screen */
static int row, col;
static uint8_t attr = DEFAULT_ATTR;

/* ANSI escape parser state */
static enum { NORMAL, ESC, CSI } state;
static int params[4], nparams;

static void crtc_write(uint8_t index, uint8_t value) {
    dev->io_accesses++;
    mmio_write16(io_window + CRTC_INDEX, (uint16_t)(value << 8 | index));
}

static void put_cell(int r, int c, uint16_t cell) {
    shadow[r][c] = cell;
    dev->io_accesses++;
    text[(top + r) * COLS + c] = cell;
}

static void set_start(void) {
    unsigned start = (unsigned)top * COLS;
    crtc_write(CRTC_START_HIGH, (uint8_t)(start >> 8));
    crtc_write(CRTC_START_LOW, (uint8_t)start);
}

static void update_cursor(void) {
    unsigned pos = (unsigned)(top + row) * COLS + (unsigned)col;
    crtc_write(CRTC_CURSOR_HIGH, (uint8_t)(pos >> 8));
    crtc_write(CRTC_CURSOR_LOW, (uint8_t)pos);
}

static void clear_cells(int r, int c0, int c1) {
    for (int c = c0; c < c1; c++) put_cell(r, c, (uint16_t)(attr << 8 | ' '));
}

static void scroll_up(void) {
    memmove(shadow[0], shadow[1], sizeof shadow[0] * (ROWS - 1));
    if (top + ROWS < BUFFER_ROWS) {
        top++;
    } else {
        /* At the end of the buffer: copy the screen back to its top. */
        top = 0;
        for (int r = 0; r < ROWS - 1; r++)
            for (int c = 0; c < COLS; c++) put_cell(r, c, shadow[r][c]);
    }
    clear_cells(ROWS - 1, 0, COLS);
    set_start();
}

static void newline(void) {
    col = 0;
    if (++row == ROWS) {
        row = ROWS - 1;
        scroll_up();
    }
}

static const uint8_t ansi_to_vga[8] = {0, 4, 2, 6, 1, 5, 3, 7};

static void sgr(void) {
    if (nparams == 0) nparams = 1, params[0] = 0;
    for (int i = 0; i < nparams; i++) {
        int p = params[i];
        if (p == 0) attr = DEFAULT_ATTR;
        else if (p == 1) attr |= 0x08;
        else if (p >= 30 && p <= 37) attr = (uint8_t)((attr & 0xf8) | ansi_to_vga[p - 30]);
        else if (p >= 90 && p <= 97) attr = (uint8_t)((attr & 0xf0) | 0x08 | ansi_to_vga[p - 90]);
        else if (p >= 40 && p <= 47) attr = (uint8_t)((attr & 0x0f) | ansi_to_vga[p - 40] << 4);
    }
}

static void csi(char final) {
    int n = nparams > 0 && params[0] > 0 ? params[0] : 1;
    switch (final) {
    case 'A': row = MAX(0, row - n); break;
    case 'B': row = MIN(ROWS - 1, row + n); break;
    case 'C': col = MIN(COLS - 1, col + n); break;
    case 'D': col = MAX(0, col - n); break;
    case 'H':
        row = MIN(ROWS - 1, (nparams > 0 && params[0] > 0 ? params[0] : 1) - 1);
        col = MIN(COLS - 1, (nparams > 1 && params[1] > 0 ? params[1] : 1) - 1);
        break;
    case 'K': /* erase in line: 0 to the end, 1 from the start, 2 all */
        if (nparams == 0 || params[0] == 0) clear_cells(row, col, COLS);
        else if (params[0] == 1) clear_cells(row, 0, col + 1);
        else clear_cells(row, 0, COLS);
        break;
    case 'J': /* erase in display */
        if (nparams > 0 && params[0] == 2) {
            for (int r = 0; r < ROWS; r++) clear_cells(r, 0, COLS);
            row = col = 0;
        } else {
            clear_cells(row, col, COLS);
            for (int r = row + 1; r < ROWS; r++) clear_cells(r, 0, COLS);
        }
        break;
    case 'm': sgr(); break;
    }
}

static void vga_putc(char ch) {
    switch (state) {
    case ESC:
        if (ch == '[') {
            state = CSI;
            nparams = 0;
            params[0] = 0;
        } else {
            state = NORMAL;
        }
        return;
    case CSI:
        if (isdigit(ch)) {
            if (nparams == 0) nparams = 1;
            params[nparams - 1] = params[nparams - 1] * 10 + (ch - '0');
        } else if (ch == ';') {
            if (nparams == 0) nparams = 1;
            if (nparams < 4) params[nparams++] = 0;
        } else {
            csi(ch);
            state = NORMAL;
        }
        return;
    case NORMAL:
        break;
    }
    switch (ch) {
    case 0x1b: state = ESC; break;
    case '\n': newline(); break;
    case '\r': col = 0; break;
    case '\b': if (col > 0) col--; break;
    case '\t':
        do put_cell(row, col, (uint16_t)(attr << 8 | ' '));
        while (++col % 8 && col < COLS);
        if (col >= COLS) newline();
        break;
    case 0x07: break; /* bell */
    default:
        if (col >= COLS) newline();
        put_cell(row, col, (uint16_t)(attr << 8 | (uint8_t)ch));
        col++;
    }
}

static void vga_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) vga_putc(s[i]);
    update_cursor();
}

static struct console_sink sink = {"vga", vga_write, 0};

bool vga_text_present(void) { return text != NULL; }

/* Back from a graphics mode: put the screen back as it was. */
void vga_text_restore(void) {
    if (!text) return;
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            dev->io_accesses++;
            text[(top + r) * COLS + c] = shadow[r][c];
        }
    set_start();
    update_cursor();
}

int vga_text_probe(int node) {
    uint64_t reg, size;
    uint32_t first_port = 0x3c0, mem = 0, mem_size = 0;
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &first_port);
    io_window = (uintptr_t)reg - first_port;
    const char *where = "tabvisor,isa-memory";
    if (!dtb_prop_cell(node, "tabvisor,isa-memory", 0, &mem) ||
        !dtb_prop_cell(node, "tabvisor,isa-memory", 1, &mem_size)) {
        mem = ISA_MEMORY_BASE + 0xb8000; /* the DTB does not say: the platform's default */
        mem_size = 0x8000;
        where = "platform default";
    }
    paging_map((uintptr_t)reg, (uintptr_t)size, PTE_R | PTE_W, "VGA registers");
    paging_map(mem, mem_size, PTE_R | PTE_W, "VGA text buffer");
    text = (volatile uint16_t *)(uintptr_t)mem;
    dev = device_add("vga0", "drivers/vga-text.c", "VGA text 80x25 at 0x%08lx (%s), CRTC port 0x3d4",
                     (unsigned long)mem, where);
    for (int r = 0; r < ROWS; r++) clear_cells(r, 0, COLS);
    set_start();
    crtc_write(0x0a, 0x0e); /* cursor: an underline, scan lines 14-15 */
    crtc_write(0x0b, 0x0f);
    update_cursor();
    console_add_sink(&sink);
    return 0;
}
