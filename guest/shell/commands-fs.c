/* File commands: ls, cat, echo, rm, mkdir, cd, pwd, df, sync. */
#include <sprout/block.h>
#include <sprout/fs.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/shell.h>

/* ---- ls ----------------------------------------------------------------- */

struct listing {
    struct fs_dirent *entries;
    int n, max;
};

static void collect(const struct fs_dirent *e, void *arg) {
    struct listing *l = arg;
    if (l->n < l->max) l->entries[l->n++] = *e;
}

static void print_entry(const struct fs_dirent *e, bool long_format) {
    if (long_format) {
        unsigned d = e->st.date, t = e->st.time;
        out_printf("%c %10lu  %04u-%02u-%02u %02u:%02u  %s%s\n", e->st.is_dir ? 'd' : '-', (unsigned long)e->st.size,
                   1980 + (d >> 9), (d >> 5) & 15, d & 31, t >> 11, (t >> 5) & 63, e->name, e->st.is_dir ? "/" : "");
    } else {
        out_printf("%s%s\n", e->name, e->st.is_dir ? "/" : "");
    }
}

static int cmd_ls(int argc, char **argv) {
    bool long_format = false;
    const char *arg = ".";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0) long_format = true;
        else arg = argv[i];
    }
    char path[FS_PATH_MAX];
    if (!shell_path("ls", arg, path)) return -EINVAL;
    struct fs_stat st;
    int r = fs_stat(path, &st);
    if (r) return shell_error("ls", arg, r);
    if (!st.is_dir) {
        struct fs_dirent e;
        strlcpy(e.name, arg, sizeof e.name);
        e.st = st;
        print_entry(&e, long_format);
        return 0;
    }
    struct listing l = {kmalloc(256 * sizeof(struct fs_dirent)), 0, 256};
    if (!l.entries) return shell_error("ls", NULL, -ENOMEM);
    r = fs_list(path, collect, &l);
    if (r < 0) {
        kfree(l.entries);
        return shell_error("ls", arg, r);
    }
    /* Sorted by name (insertion sort: directories are small). */
    for (int i = 1; i < l.n; i++) {
        struct fs_dirent tmp = l.entries[i];
        int j = i;
        while (j > 0 && strcasecmp(l.entries[j - 1].name, tmp.name) > 0) {
            l.entries[j] = l.entries[j - 1];
            j--;
        }
        l.entries[j] = tmp;
    }
    for (int i = 0; i < l.n; i++) print_entry(&l.entries[i], long_format);
    if (r > l.n) out_printf("(%d more)\n", r - l.n);
    kfree(l.entries);
    return 0;
}

/* ---- cat, echo ---------------------------------------------------------- */

static int cmd_cat(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: cat FILE...\n");
        return -EINVAL;
    }
    static char buf[4096];
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char path[FS_PATH_MAX];
        if (!shell_path("cat", argv[i], path)) continue;
        int err;
        struct fs_file *f = fs_open(path, FS_READ, &err);
        if (!f) {
            status = shell_error("cat", argv[i], err);
            continue;
        }
        long n;
        while ((n = fs_read(f, buf, sizeof buf)) > 0) out_write(buf, (size_t)n);
        if (n < 0) status = shell_error("cat", argv[i], (int)n);
        fs_close(f);
    }
    return status;
}

static int cmd_echo(int argc, char **argv) {
    bool newline = true;
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "-n") == 0) newline = false, i++;
    for (int first = i; i < argc; i++) {
        if (i > first) out_write(" ", 1);
        out_write(argv[i], strlen(argv[i]));
    }
    if (newline) out_write("\n", 1);
    return 0;
}

/* ---- rm, mkdir, cd, pwd ------------------------------------------------- */

static int cmd_rm(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: rm PATH...\n");
        return -EINVAL;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char path[FS_PATH_MAX];
        if (!shell_path("rm", argv[i], path)) continue;
        if (strncmp(shell_cwd, path, strlen(path)) == 0 && (shell_cwd[strlen(path)] == '/' || shell_cwd[strlen(path)] == 0)) {
            status = shell_error("rm", argv[i], -EBUSY); /* the current directory or one above it */
            continue;
        }
        int r = fs_remove(path);
        if (r) status = shell_error("rm", argv[i], r);
    }
    return status;
}

static int cmd_mkdir(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: mkdir DIR...\n");
        return -EINVAL;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char path[FS_PATH_MAX];
        if (!shell_path("mkdir", argv[i], path)) continue;
        int r = fs_mkdir(path);
        if (r) status = shell_error("mkdir", argv[i], r);
    }
    return status;
}

static int cmd_cd(int argc, char **argv) {
    const char *arg = argc > 1 ? argv[1] : "/";
    char path[FS_PATH_MAX];
    if (!shell_path("cd", arg, path)) return -EINVAL;
    struct fs_stat st;
    int r = fs_stat(path, &st);
    if (r) return shell_error("cd", arg, r);
    if (!st.is_dir) return shell_error("cd", arg, -ENOTDIR);
    strlcpy(shell_cwd, path, sizeof shell_cwd);
    return 0;
}

static int cmd_pwd(int argc, char **argv) {
    out_printf("%s\n", shell_cwd);
    return 0;
}

/* ---- df, sync ----------------------------------------------------------- */

static int cmd_df(int argc, char **argv) {
    struct fs_usage u;
    int r = fs_usage(&u);
    if (r) return shell_error("df", NULL, r);
    uint64_t used = u.bytes_total - u.bytes_free;
    out_printf("Device  Type   Label        Size KiB    Used KiB   Avail KiB  Use%%  Cluster\n");
    out_printf("%-7s %-6s %-11s %10llu  %10llu  %10llu  %3u%%  %lu\n", u.device, u.type, u.label[0] ? u.label : "-",
               (unsigned long long)(u.bytes_total / 1024), (unsigned long long)(used / 1024),
               (unsigned long long)(u.bytes_free / 1024),
               u.bytes_total ? (unsigned)(used * 100 / u.bytes_total) : 0u, (unsigned long)u.cluster_bytes);
    return 0;
}

static int cmd_sync(int argc, char **argv) {
    int r = fs_sync();
    if (r) return shell_error("sync", NULL, r);
    return 0;
}

const struct command fs_commands[] = {
    {"ls", "[-l] [path]", "list a directory", cmd_ls},
    {"cat", "file...", "print files", cmd_cat},
    {"echo", "[-n] [text...]", "print text (echo text > file writes a file)", cmd_echo},
    {"rm", "path...", "remove files or empty directories", cmd_rm},
    {"mkdir", "dir...", "make directories", cmd_mkdir},
    {"cd", "[dir]", "change the current directory", cmd_cd},
    {"pwd", "", "print the current directory", cmd_pwd},
    {"df", "", "disk space of the file system", cmd_df},
    {"sync", "", "write cached changes to the disk and flush it", cmd_sync},
    {0, 0, 0, 0},
};
