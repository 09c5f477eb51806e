/*
 * The shell: read a line, split it into words (with "double" and 'single'
 * quotes and backslash escapes), take off a `> file` or `>> file`
 * redirection, and run the command. Commands live in tables in the other
 * files of shell/; `help` lists them all.
 */
#include <sprout/console.h>
#include <sprout/fs.h>
#include <sprout/kernel.h>
#include <sprout/shell.h>

#define LINE_MAX 256
#define MAX_ARGS 32

char shell_cwd[FS_PATH_MAX] = "/";

/* ---- output, possibly redirected ---------------------------------------- */

static struct fs_file *redirect;
static int redirect_err;

void out_write(const char *s, size_t n) {
    if (!redirect) {
        puts_raw(s, n);
        return;
    }
    if (redirect_err) return;
    long r = fs_write(redirect, s, (uint32_t)n);
    if (r < 0) redirect_err = (int)r;
}

void out_printf(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    out_write(buf, (size_t)MIN(n, (int)sizeof buf - 1));
}

int shell_error(const char *cmd, const char *what, int err) {
    if (what) printf("%s: %s: %s\n", cmd, what, strerror(err));
    else printf("%s: %s\n", cmd, strerror(err));
    return err;
}

bool shell_path(const char *cmd, const char *arg, char *out) {
    if (!path_resolve(shell_cwd, arg, out, FS_PATH_MAX)) {
        shell_error(cmd, arg, -ENAMETOOLONG);
        return false;
    }
    return true;
}

/* ---- parsing ------------------------------------------------------------ */

/* Split `line` into words stored in `store` (twice its size); returns argc, or -1 on an unterminated quote. */
static int split(const char *line, char *store, char **argv, int max) {
    int argc = 0;
    const char *in = line;
    char *out = store;
    for (;;) {
        while (*in == ' ' || *in == '\t') in++;
        if (!*in) break;
        if (argc == max) return -1;
        argv[argc++] = out;
        /* ">" and ">>" are words of their own even when written against a name. */
        if (*in == '>') {
            *out++ = *in++;
            if (*in == '>') *out++ = *in++;
            *out++ = 0;
            continue;
        }
        char quote = 0;
        while (*in && (quote || (*in != ' ' && *in != '\t' && *in != '>'))) {
            if (quote && *in == quote) quote = 0, in++;
            else if (!quote && (*in == '"' || *in == '\'')) quote = *in++;
            else if (*in == '\\' && in[1] && quote != '\'') in++, *out++ = *in++;
            else *out++ = *in++;
        }
        if (quote) return -1;
        *out++ = 0;
    }
    return argc;
}

static const struct command *find(const char *name) {
    const struct command *tables[] = {fs_commands, sys_commands, net_commands, bench_commands, gfx_commands};
    for (unsigned t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct command *c = tables[t]; c->name; c++)
            if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

int cmd_help(int argc, char **argv) {
    const struct command *tables[] = {fs_commands, sys_commands, net_commands, bench_commands, gfx_commands};
    if (argc > 1) {
        const struct command *c = find(argv[1]);
        if (!c) {
            printf("help: %s: no such command\n", argv[1]);
            return -ENOENT;
        }
        out_printf("%s %s\n  %s\n", c->name, c->usage, c->help);
        return 0;
    }
    out_printf("Sprout shell commands (help NAME for one):\n");
    for (unsigned t = 0; t < ARRAY_SIZE(tables); t++)
        for (const struct command *c = tables[t]; c->name; c++) {
            char left[40];
            snprintf(left, sizeof left, "%s %s", c->name, c->usage);
            out_printf("  %-26s %s\n", left, c->help);
        }
    out_printf("Output of a command can go to a file: echo hello > /greeting.txt, or >> to append.\n");
    return 0;
}

static void run(char *line) {
    static char store[LINE_MAX * 2];
    char *argv[MAX_ARGS + 1];
    int argc = split(line, store, argv, MAX_ARGS);
    if (argc < 0) {
        printf("sprout: unterminated quote or too many words\n");
        return;
    }
    if (argc == 0) return;
    /* A trailing "> file" or ">> file" sends the output to the file. */
    const char *target = NULL;
    int mode = FS_WRITE;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], ">") == 0 || strcmp(argv[i], ">>") == 0) {
            if (i + 2 != argc) {
                printf("sprout: a redirection needs one file name, at the end\n");
                return;
            }
            mode = argv[i][1] == '>' ? FS_APPEND : FS_WRITE;
            target = argv[i + 1];
            argc = i;
            break;
        }
    }
    argv[argc] = NULL;
    if (argc == 0) {
        printf("sprout: no command before the redirection\n");
        return;
    }
    const struct command *c = find(argv[0]);
    if (!c) {
        printf("sprout: %s: command not found (try help)\n", argv[0]);
        return;
    }
    if (target) {
        char path[FS_PATH_MAX];
        if (!shell_path(argv[0], target, path)) return;
        int err;
        redirect = fs_open(path, mode, &err);
        if (!redirect) {
            shell_error("sprout", target, err);
            return;
        }
        redirect_err = 0;
    }
    c->fn(argc, argv);
    if (redirect) {
        struct fs_file *f = redirect;
        redirect = NULL;
        int r = fs_close(f);
        if (redirect_err) shell_error("sprout", target, redirect_err);
        else if (r) shell_error("sprout", target, r);
    }
}

void shell_run(void) {
    static char line[LINE_MAX];
    char prompt[FS_PATH_MAX + 48];
    printf("\nWelcome to Sprout. Type help for the commands.\n");
    for (;;) {
        snprintf(prompt, sizeof prompt, "\x1b[1;32msprout\x1b[0m:\x1b[1;34m%s\x1b[0m$ ", shell_cwd);
        if (!line_read(prompt, line, sizeof line)) continue;
        line_history_add(line);
        run(line);
    }
}
