/*
 * Reading a command line with editing and history. Keys arrive as bytes
 * from the serial line, the PS/2 keyboard or the PV console, all speaking
 * the VT100/xterm dialect: printable characters insert at the cursor, and
 *
 *   Backspace (DEL or ^H)   delete left        Delete (ESC [3~), ^D   delete under
 *   Left/Right (ESC [D/[C), ^B/^F  move        Home/End (ESC [H/[F), ^A/^E
 *   Up/Down (ESC [A/[B), ^P/^N  history        ^K kill to end, ^U kill line, ^W kill word
 *   ^C  abandon the line     ^L  clear the screen     Tab  complete a command name
 *
 * The line is redrawn with "\r", the prompt, the text, ESC [K (erase to the
 * end of the line) and ESC [nD to put the cursor back where it belongs.
 */
#include <sprout/console.h>
#include <sprout/kernel.h>
#include <sprout/shell.h>

#define HISTORY 32
#define LINE_MAX 256

static char history[HISTORY][LINE_MAX];
static unsigned hist_count; /* lines ever added; the last HISTORY are kept */

void line_history_add(const char *line) {
    if (!line[0]) return;
    if (hist_count && strcmp(history[(hist_count - 1) % HISTORY], line) == 0) return;
    strlcpy(history[hist_count % HISTORY], line, LINE_MAX);
    hist_count++;
}

struct editor {
    const char *prompt;
    char *buf;
    size_t size, len, cur;
};

static void redraw(struct editor *e) {
    printf("\r%s%.*s\x1b[K", e->prompt, (int)e->len, e->buf);
    if (e->len > e->cur) printf("\x1b[%uD", (unsigned)(e->len - e->cur));
}

static void insert(struct editor *e, char c) {
    if (e->len + 1 >= e->size) return;
    memmove(e->buf + e->cur + 1, e->buf + e->cur, e->len - e->cur);
    e->buf[e->cur++] = c;
    e->len++;
    if (e->cur == e->len) printf("%c", c); /* typing at the end: just echo */
    else redraw(e);
}

static void delete_at(struct editor *e, size_t at, size_t n) {
    memmove(e->buf + at, e->buf + at + n, e->len - at - n);
    e->len -= n;
    if (e->cur > at) e->cur = e->cur >= at + n ? e->cur - n : at;
    redraw(e);
}

static void set_text(struct editor *e, const char *s) {
    e->len = e->cur = strlcpy(e->buf, s, e->size);
    if (e->len >= e->size) e->len = e->cur = e->size - 1;
    redraw(e);
}

/* Tab: complete the first word from the command tables. */
static void complete(struct editor *e) {
    for (size_t i = 0; i < e->cur; i++)
        if (e->buf[i] == ' ') return;
    const struct command *tables[] = {fs_commands, sys_commands, net_commands, bench_commands, gfx_commands};
    const char *match = NULL;
    int matches = 0;
    for (unsigned t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct command *c = tables[t]; c->name; c++)
            if (strncmp(c->name, e->buf, e->cur) == 0) match = c->name, matches++;
    if (matches != 1) return;
    for (size_t i = e->cur; match[i]; i++) insert(e, match[i]);
    insert(e, ' ');
}

/* Read an escape sequence's remainder; returns its final byte and the first parameter. */
static char escape(int *param) {
    int c = console_getc();
    *param = 0;
    if (c != '[' && c != 'O') return 0;
    for (;;) {
        c = console_getc();
        if (isdigit(c)) *param = *param * 10 + (c - '0');
        else if (c != ';') return (char)c;
    }
}

bool line_read(const char *prompt, char *buf, size_t size) {
    struct editor e = {prompt, buf, size, 0, 0};
    unsigned browse = hist_count; /* history position: hist_count = the line being typed */
    static bool after_cr;
    char saved[LINE_MAX] = "";
    printf("%s", prompt);
    for (;;) {
        int c = console_getc();
        if (c == '\n' && after_cr) { /* \r\n from a terminal counts once */
            after_cr = false;
            continue;
        }
        after_cr = c == '\r';
        int param;
        switch (c) {
        case '\r':
        case '\n':
            buf[e.len] = 0;
            printf("\n");
            return true;
        case 0x7f:
        case 0x08:
            if (e.cur > 0) delete_at(&e, e.cur - 1, 1);
            break;
        case 0x04: /* ^D */
            if (e.len == 0) {
                buf[0] = 0;
                printf("\n");
                return false;
            }
            if (e.cur < e.len) delete_at(&e, e.cur, 1);
            break;
        case 0x01: e.cur = 0; redraw(&e); break;
        case 0x05: e.cur = e.len; redraw(&e); break;
        case 0x02: if (e.cur) e.cur--, redraw(&e); break;
        case 0x06: if (e.cur < e.len) e.cur++, redraw(&e); break;
        case 0x0b: e.len = e.cur; redraw(&e); break;
        case 0x15: delete_at(&e, 0, e.cur); break;
        case 0x17: {
            size_t at = e.cur;
            while (at > 0 && buf[at - 1] == ' ') at--;
            while (at > 0 && buf[at - 1] != ' ') at--;
            delete_at(&e, at, e.cur - at);
            break;
        }
        case 0x03:
            printf("^C\n");
            buf[0] = 0;
            return true;
        case 0x0c:
            printf("\x1b[2J\x1b[H");
            redraw(&e);
            break;
        case '\t': complete(&e); break;
        case 0x10: c = 'A'; goto history;
        case 0x0e: c = 'B'; goto history;
        case 0x1b:
            c = escape(&param);
            if (c == 'D' && e.cur) e.cur--, redraw(&e);
            else if (c == 'C' && e.cur < e.len) e.cur++, redraw(&e);
            else if (c == 'H') e.cur = 0, redraw(&e);
            else if (c == 'F') e.cur = e.len, redraw(&e);
            else if (c == '~' && param == 3 && e.cur < e.len) delete_at(&e, e.cur, 1);
            else if (c == '~' && param == 1) e.cur = 0, redraw(&e);
            else if (c == '~' && param == 4) e.cur = e.len, redraw(&e);
            else if (c == 'A' || c == 'B') goto history;
            break;
        history: {
            unsigned oldest = hist_count > HISTORY ? hist_count - HISTORY : 0;
            if (browse == hist_count) {
                buf[e.len] = 0;
                strlcpy(saved, buf, sizeof saved);
            }
            if (c == 'A' && browse > oldest) browse--;
            else if (c == 'B' && browse < hist_count) browse++;
            else break;
            set_text(&e, browse == hist_count ? saved : history[browse % HISTORY]);
            break;
        }
        default:
            if (isprint(c)) insert(&e, (char)c);
        }
    }
}
