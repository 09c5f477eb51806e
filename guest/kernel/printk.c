/*
 * Formatted output and the kernel log. printk() stamps each line with the
 * time since boot (as Linux does), keeps it in a 32 KiB ring for `dmesg`,
 * and writes it to every console. printf() is for the shell: consoles only.
 */
#include <sprout/console.h>
#include <sprout/kernel.h>
#include <sprout/sbi.h>
#include <sprout/timer.h>

/* ---- vsnprintf: %c %s %d %i %u %x %X %p %%, flags - 0, width, .precision, l ll z ---- */

struct outbuf {
    char *buf;
    size_t size, len;
};

static void emit(struct outbuf *o, char c) {
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void emit_padded(struct outbuf *o, const char *s, size_t n, int width, bool left, char pad) {
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left && pad == '0' && n > 0 && s[0] == '-') {
        emit(o, '-');
        s++, n--;
    }
    if (!left)
        while (fill-- > 0) emit(o, pad);
    for (size_t i = 0; i < n; i++) emit(o, s[i]);
    if (left)
        while (fill-- > 0) emit(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    struct outbuf o = {buf, size, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-') left = true;
            else if (*fmt == '0') pad = '0';
            else break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else {
            while (isdigit(*fmt)) width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (isdigit(*fmt)) prec = prec * 10 + (*fmt++ - '0');
            }
        }
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
            if (*fmt == 'l') longs++;
            fmt++;
        }
        char tmp[24];
        int n = 0;
        switch (*fmt) {
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            emit_padded(&o, tmp, 1, width, left, ' ');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t len = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
            emit_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            unsigned base = (*fmt == 'x' || *fmt == 'X' || *fmt == 'p') ? 16 : 10;
            bool is_signed = *fmt == 'd' || *fmt == 'i';
            uint64_t v;
            bool neg = false;
            if (*fmt == 'p') {
                v = (uintptr_t)va_arg(ap, void *);
                emit(&o, '0');
                emit(&o, 'x');
                pad = '0';
                width = 8;
            } else if (longs >= 2) {
                v = va_arg(ap, uint64_t);
                if (is_signed && (int64_t)v < 0) neg = true, v = (uint64_t)(-(int64_t)v);
            } else {
                unsigned long x = va_arg(ap, unsigned long);
                if (is_signed && (long)x < 0) neg = true, x = (unsigned long)(-(long)x);
                v = x;
            }
            const char *digits = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            char rev[24];
            int k = 0;
            do {
                rev[k++] = digits[v % base];
                v /= base;
            } while (v);
            if (neg) tmp[n++] = '-';
            while (k) tmp[n++] = rev[--k];
            emit_padded(&o, tmp, (size_t)n, width, left, pad);
            break;
        }
        case '%':
            emit(&o, '%');
            break;
        case 0:
            fmt--;
            break;
        default:
            emit(&o, '%');
            emit(&o, *fmt);
        }
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- the kernel log ---- */

#define LOG_SIZE 32768
static char log_buf[LOG_SIZE];
static size_t log_head; /* total bytes ever logged; the ring holds the last LOG_SIZE */
static bool at_line_start = true;

static void log_append(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) log_buf[(log_head + i) % LOG_SIZE] = s[i];
    log_head += n;
}

size_t dmesg_size(void) { return log_head < LOG_SIZE ? log_head : LOG_SIZE; }

/* A contiguous piece of the log starting `offset` bytes after its oldest byte. */
const char *dmesg_at(size_t offset, size_t *len) {
    size_t size = dmesg_size();
    if (offset >= size) {
        *len = 0;
        return log_buf;
    }
    size_t start = (log_head - size + offset) % LOG_SIZE;
    size_t n = size - offset;
    if (start + n > LOG_SIZE) n = LOG_SIZE - start;
    *len = n;
    return log_buf + start;
}

size_t dmesg_copy(char *buf, size_t size) {
    size_t done = 0, len;
    while (done < size) {
        const char *p = dmesg_at(done, &len);
        if (!len) break;
        if (len > size - done) len = size - done;
        memcpy(buf + done, p, len);
        done += len;
    }
    return done;
}

void puts_raw(const char *s, size_t n) {
    if (console_has_sink())
        console_write(s, n);
}

void printk(const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 1) n = sizeof line - 1;
    /* Split at newlines so that each line gets its timestamp. */
    const char *p = line, *end = line + n;
    while (p < end) {
        if (at_line_start) {
            char stamp[24];
            uint64_t us = timer_us();
            int k = snprintf(stamp, sizeof stamp, "[%5lu.%06lu] ", (unsigned long)(us / 1000000),
                             (unsigned long)(us % 1000000));
            log_append(stamp, (size_t)k);
            puts_raw(stamp, (size_t)k);
            at_line_start = false;
        }
        const char *nl = p;
        while (nl < end && *nl != '\n') nl++;
        size_t len = (size_t)(nl - p) + (nl < end ? 1 : 0);
        log_append(p, len);
        puts_raw(p, len);
        if (nl < end) at_line_start = true;
        p += len;
    }
}

void vprintf(const char *fmt, va_list ap) {
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    puts_raw(buf, (size_t)n);
}

void printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printk("\n*** Sprout panic: %s\n", buf);
    if (!console_has_sink()) {
        /* Nothing printed yet: the boot log goes out through the SBI debug console. */
        size_t off = 0, len;
        const char *p;
        while ((p = dmesg_at(off, &len)), len) {
            sbi_debug_write(p, len);
            off += len;
        }
    }
    sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSTEM_FAILURE);
}
