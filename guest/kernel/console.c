/*
 * The console multiplexer (see include/sprout/console.h). Input arrives from
 * interrupt handlers into a 1 KiB ring; the shell drains it, sleeping the
 * vCPU while it is empty.
 */
#include <sprout/console.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/net.h>
#include <sprout/riscv.h>
#include <sprout/xenbus.h>

static struct console_sink *sinks;

static char input[1024];
static unsigned in_head, in_tail; /* free-running: head = next to read, tail = next to write */

void console_add_sink(struct console_sink *sink) {
    /* Replay the kernel log so this console shows the boot from the start. */
    size_t off = 0, len;
    const char *p;
    while ((p = dmesg_at(off, &len)), len) {
        sink->write(p, len);
        off += len;
    }
    struct console_sink **pp = &sinks;
    while (*pp) pp = &(*pp)->next;
    sink->next = NULL;
    *pp = sink;
}

bool console_has_sink(void) { return sinks != NULL; }

void console_write(const char *s, size_t n) {
    for (struct console_sink *k = sinks; k; k = k->next) k->write(s, n);
}

void console_input(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (in_tail - in_head >= sizeof input) return; /* full: drop, as a UART overrun would */
        input[in_tail++ % sizeof input] = s[i];
    }
}

int console_trygetc(void) {
    if (in_head == in_tail) return -1;
    return (unsigned char)input[in_head++ % sizeof input];
}

bool console_poll(void) {
    irq_poll();
    return in_head != in_tail;
}

int console_getc(void) {
    for (;;) {
        int c = console_trygetc();
        if (c >= 0) return c;
        net_poll(); /* frames that arrived (answer pings, ARP) before sleeping again */
        wait_for_interrupt();
        if (is_pv()) xenbus_dispatch_watches(); /* xl shutdown, while the shell waits */
    }
}
