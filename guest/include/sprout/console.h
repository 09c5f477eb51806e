/*
 * The console: one input queue and any number of output sinks. Kernel and
 * shell output goes to every sink (on HVM the UART and the VGA screen, on PV
 * the xencons ring); every input source (UART, PS/2 keyboard, xencons) feeds
 * the same queue, so the shell reads one stream of bytes.
 */
#ifndef SPROUT_CONSOLE_H
#define SPROUT_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>

struct console_sink {
    const char *name;
    void (*write)(const char *s, size_t n);
    struct console_sink *next;
};

/* A new sink first gets the kernel log so far, so every console shows the whole boot. */
void console_add_sink(struct console_sink *sink);
bool console_has_sink(void);
void console_write(const char *s, size_t n);
/* From interrupt handlers: bytes typed by the user. */
void console_input(const char *s, size_t n);
/* Next input byte; waits (sleeping the vCPU) until there is one. */
int console_getc(void);
/* Next input byte, or -1 at once. */
int console_trygetc(void);
/* Something to read? Polls the input drivers first. */
bool console_poll(void);

#endif
