/* The shell (shell/). */
#ifndef SPROUT_SHELL_H
#define SPROUT_SHELL_H
#include <stdbool.h>
#include <stddef.h>
#include "fs.h"

void __attribute__((noreturn)) shell_run(void);

/* shell/line-editor.c: read a line with editing and history; false on ^D at an empty line. */
bool line_read(const char *prompt, char *buf, size_t size);
void line_history_add(const char *line);

/* A command: argv[0] is its name. Output goes through printf (or to a file: see out_*). */
struct command {
    const char *name;
    const char *usage;
    const char *help;
    int (*fn)(int argc, char **argv);
};
extern const struct command fs_commands[];
extern const struct command sys_commands[];
extern const struct command bench_commands[];
extern const struct command gfx_commands[];
extern const struct command net_commands[];
extern char shell_cwd[FS_PATH_MAX];
/* Resolve a path argument against the current directory; prints an error and returns false if bad. */
bool shell_path(const char *cmd, const char *arg, char *out);
int cmd_help(int argc, char **argv);
/* Print `cmd: what: message` for an error code. */
int shell_error(const char *cmd, const char *what, int err);

/* Command output: the console, or a file while `cmd > file` runs. */
void out_write(const char *s, size_t n);
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
