/*
 * PS/2 keyboard behind an 8042 keyboard controller (IBM PC AT Technical
 * Reference, "Keyboard Controller"; scan codes: Microsoft "Keyboard Scan
 * Code Specification" rev. 1.3a, appendix C, set 2).
 *
 *   port 0x60  data: scan codes and replies in, commands' data out
 *   port 0x64  status (read: bit 0 OBF output buffer full) / command (write)
 *
 * Set-up: disable the ports, flush, enable the keyboard interrupt in the
 * command byte with translation off (so we see set 2 as the keyboard sends
 * it), enable the keyboard. Each key then raises ISA IRQ 1; the handler reads
 * the byte and decodes set 2: F0 precedes a break (release), E0 an extended
 * key. Arrows and Home/End become the ANSI sequences a serial terminal sends,
 * so the line editor reads one language from both.
 */
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/timer.h>

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define KBD_COMMAND 0x64
#define STATUS_OBF 0x01
#define STATUS_IBF 0x02
#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_AUX 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_DISABLE_KBD 0xad
#define CMD_ENABLE_KBD 0xae
#define CONFIG_KBD_INT 0x01
#define CONFIG_AUX_INT 0x02
#define CONFIG_TRANSLATE 0x40
#define KBD_CMD_ENABLE_SCANNING 0xf4
#define KBD_ACK 0xfa

static uintptr_t io_window;
static struct device *dev;

static uint8_t inb(uint16_t port) {
    dev->io_accesses++;
    return mmio_read8(io_window + port);
}

static void outb(uint16_t port, uint8_t v) {
    dev->io_accesses++;
    mmio_write8(io_window + port, v);
}

static bool wait_output(void) {
    uint64_t until = timer_deadline_ms(100);
    while (!(inb(KBD_STATUS) & STATUS_OBF))
        if (timer_now() > until) return false;
    return true;
}

static void wait_input_empty(void) {
    uint64_t until = timer_deadline_ms(100);
    while ((inb(KBD_STATUS) & STATUS_IBF) && timer_now() < until) {
    }
}

static void command(uint8_t cmd) {
    wait_input_empty();
    outb(KBD_COMMAND, cmd);
}

static int read_reply(void) { return wait_output() ? inb(KBD_DATA) : -1; }

/* Set 2 make codes -> characters, without and with Shift. */
static const char keymap[0x80] = {
    [0x0e] = '`', [0x16] = '1', [0x1e] = '2', [0x26] = '3', [0x25] = '4', [0x2e] = '5', [0x36] = '6',
    [0x3d] = '7', [0x3e] = '8', [0x46] = '9', [0x45] = '0', [0x4e] = '-', [0x55] = '=', [0x66] = 0x7f,
    [0x0d] = '\t', [0x15] = 'q', [0x1d] = 'w', [0x24] = 'e', [0x2d] = 'r', [0x2c] = 't', [0x35] = 'y',
    [0x3c] = 'u', [0x43] = 'i', [0x44] = 'o', [0x4d] = 'p', [0x54] = '[', [0x5b] = ']', [0x5d] = '\\',
    [0x1c] = 'a', [0x1b] = 's', [0x23] = 'd', [0x2b] = 'f', [0x34] = 'g', [0x33] = 'h', [0x3b] = 'j',
    [0x42] = 'k', [0x4b] = 'l', [0x4c] = ';', [0x52] = '\'', [0x5a] = '\r', [0x1a] = 'z', [0x22] = 'x',
    [0x21] = 'c', [0x2a] = 'v', [0x32] = 'b', [0x31] = 'n', [0x3a] = 'm', [0x41] = ',', [0x49] = '.',
    [0x4a] = '/', [0x29] = ' ', [0x76] = 0x1b, [0x61] = '\\',
    /* keypad, as with Num Lock on */
    [0x70] = '0', [0x69] = '1', [0x72] = '2', [0x7a] = '3', [0x6b] = '4', [0x73] = '5', [0x74] = '6',
    [0x6c] = '7', [0x75] = '8', [0x7d] = '9', [0x71] = '.', [0x79] = '+', [0x7b] = '-', [0x7c] = '*',
};
static const char keymap_shift[0x80] = {
    [0x0e] = '~', [0x16] = '!', [0x1e] = '@', [0x26] = '#', [0x25] = '$', [0x2e] = '%', [0x36] = '^',
    [0x3d] = '&', [0x3e] = '*', [0x46] = '(', [0x45] = ')', [0x4e] = '_', [0x55] = '+', [0x54] = '{',
    [0x5b] = '}', [0x5d] = '|', [0x4c] = ':', [0x52] = '"', [0x41] = '<', [0x49] = '>', [0x4a] = '?',
    [0x61] = '|',
};

#define SC_LSHIFT 0x12
#define SC_RSHIFT 0x59
#define SC_CTRL 0x14
#define SC_CAPS 0x58

static bool brk, extended, shift_l, shift_r, ctrl, caps;

static void key(uint8_t code) {
    const char *seq = NULL;
    if (extended) {
        switch (code) {
        case 0x75: seq = "\x1b[A"; break; /* up */
        case 0x72: seq = "\x1b[B"; break; /* down */
        case 0x74: seq = "\x1b[C"; break; /* right */
        case 0x6b: seq = "\x1b[D"; break; /* left */
        case 0x6c: seq = "\x1b[H"; break; /* home */
        case 0x69: seq = "\x1b[F"; break; /* end */
        case 0x71: seq = "\x1b[3~"; break; /* delete */
        case 0x5a: seq = "\r"; break;     /* keypad enter */
        case 0x4a: seq = "/"; break;      /* keypad / */
        case SC_CTRL: ctrl = !brk; return; /* right ctrl */
        }
        if (seq && !brk) console_input(seq, strlen(seq));
        return;
    }
    switch (code) {
    case SC_LSHIFT: shift_l = !brk; return;
    case SC_RSHIFT: shift_r = !brk; return;
    case SC_CTRL: ctrl = !brk; return;
    case SC_CAPS: if (!brk) caps = !caps; return;
    }
    if (brk || code >= 0x80) return;
    bool shift = shift_l || shift_r;
    char c = shift && keymap_shift[code] ? keymap_shift[code] : keymap[code];
    if (!c) return;
    if (c >= 'a' && c <= 'z' && (shift != caps)) c = (char)(c - 32);
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c = (char)(c & 0x1f);
    console_input(&c, 1);
}

static void kbd_interrupt(void *arg) {
    dev->irqs++;
    while (inb(KBD_STATUS) & STATUS_OBF) {
        uint8_t b = inb(KBD_DATA);
        if (b == 0xf0) brk = true;
        else if (b == 0xe0) extended = true;
        else if (b == 0xfa || b == 0xaa || b == 0xee) continue; /* ACK, BAT passed, echo */
        else {
            key(b);
            brk = extended = false;
        }
    }
}

int ps2_keyboard_probe(int node) {
    uint64_t reg, size;
    uint32_t first_port = 0x60, irq = 0, isa_irq = 1;
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &first_port);
    dtb_prop_u32(node, "interrupts", &irq);
    dtb_prop_u32(node, "tabvisor,isa-irq", &isa_irq);
    io_window = (uintptr_t)reg - first_port;
    paging_map(io_window + KBD_DATA, KBD_STATUS - KBD_DATA + 1, PTE_R | PTE_W, "i8042");
    static struct device probe_dev;
    dev = &probe_dev;
    command(CMD_DISABLE_KBD);
    command(CMD_DISABLE_AUX);
    for (int i = 0; i < 32 && (inb(KBD_STATUS) & STATUS_OBF); i++) inb(KBD_DATA);
    command(CMD_SELF_TEST);
    if (read_reply() != 0x55) return -ENODEV;
    command(CMD_READ_CONFIG);
    int config = read_reply();
    if (config < 0) return -ENODEV;
    config = (config | CONFIG_KBD_INT) & ~(CONFIG_TRANSLATE | CONFIG_AUX_INT);
    command(CMD_WRITE_CONFIG);
    wait_input_empty();
    outb(KBD_DATA, (uint8_t)config);
    command(CMD_ENABLE_KBD);
    wait_input_empty();
    outb(KBD_DATA, KBD_CMD_ENABLE_SCANNING);
    int ack = read_reply();
    unsigned long early = probe_dev.io_accesses;
    dev = device_add("kbd0", "drivers/ps2-keyboard.c", "PS/2 keyboard on i8042 ports 0x60/0x64, ISA IRQ %lu (PLIC %lu), set 2%s",
                     (unsigned long)isa_irq, (unsigned long)irq, ack == KBD_ACK ? "" : ", no ACK");
    dev->io_accesses = early;
    if (irq) irq_register(irq, kbd_interrupt, 0, "kbd0");
    return 0;
}
