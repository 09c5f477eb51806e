/*
 * bench cpu: a sieve of Eratosthenes, timed in guest time, with the
 * instructions it retired (so MIPS = instructions / microseconds).
 * bench disk: write a file sequentially, sync, read it back, check it, and
 * print MB/s (10^6 bytes per second of guest time) for each direction, with
 * the requests and VM exits it took: the HVM (ATA PIO) vs PV (blkfront)
 * comparison.
 */
#include <sprout/block.h>
#include <sprout/device.h>
#include <sprout/fs.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/riscv.h>
#include <sprout/sbi.h>
#include <sprout/shell.h>
#include <sprout/timer.h>

static unsigned sieve(uint8_t *composite, unsigned n) {
    unsigned primes = 0;
    memset(composite, 0, n);
    for (unsigned i = 2; i < n; i++) {
        if (composite[i]) continue;
        primes++;
        for (unsigned j = i * 2; j < n; j += i) composite[j] = 1;
    }
    return primes;
}

static int bench_cpu(void) {
    const unsigned n = 200000;
    uint8_t *buf = kmalloc(n);
    if (!buf) return shell_error("bench", NULL, -ENOMEM);
    uint64_t t0 = timer_us(), i0 = rdinstret64();
    unsigned primes = 0, rounds = 0;
    do {
        primes = sieve(buf, n);
        rounds++;
    } while (timer_us() - t0 < 200000 && rounds < 50);
    uint64_t us = timer_us() - t0, insns = rdinstret64() - i0;
    kfree(buf);
    out_printf("bench cpu: sieve to %u (%u primes) x %u in %lu ms: %llu instructions, %lu MIPS\n", n, primes, rounds,
               (unsigned long)(us / 1000), (unsigned long long)insns, (unsigned long)(us ? insns / us : 0));
    return 0;
}

static unsigned long device_exits(void) {
    unsigned long n = sbi_calls;
    for (int i = 0; i < device_count(); i++) n += device_at(i)->io_accesses;
    return n;
}

static void rate(const char *what, uint32_t bytes, uint64_t us, unsigned long requests, unsigned long exits) {
    unsigned long whole = us ? (unsigned long)((uint64_t)bytes / us) : 0;
    unsigned long frac = us ? (unsigned long)((uint64_t)bytes * 100 / us % 100) : 0;
    out_printf("  %-5s %5lu KiB in %6lu.%03lu ms: %3lu.%02lu MB/s  (%lu disk requests, %lu exits)\n", what,
               (unsigned long)(bytes / 1024), (unsigned long)(us / 1000), (unsigned long)(us % 1000), whole, frac,
               requests, exits);
}

static int bench_disk(uint32_t kib) {
    struct block_device *bd = block_first();
    if (!bd || !fs_mounted()) return shell_error("bench", "disk", -ENOMEDIUM);
    const uint32_t chunk = 64 * 1024;
    uint32_t total = kib * 1024;
    uint8_t *buf = kmalloc(chunk);
    if (!buf) return shell_error("bench", NULL, -ENOMEM);
    const char *path = "/bench.tmp";
    int err;
    out_printf("bench disk: %lu KiB through %s (%s), file %s\n", (unsigned long)kib, bd->name, bd->driver, path);

    /* Write, then sync so the time includes getting it to the disk. */
    struct fs_file *f = fs_open(path, FS_WRITE, &err);
    if (!f) {
        kfree(buf);
        return shell_error("bench", path, err);
    }
    unsigned long req0 = bd->requests, ex0 = device_exits();
    uint64_t t0 = timer_us();
    for (uint32_t done = 0; done < total && !err; done += chunk) {
        for (uint32_t i = 0; i < chunk; i += 4) *(uint32_t *)(buf + i) = (done + i) * 2654435761u;
        long n = fs_write(f, buf, MIN(chunk, total - done));
        if (n < 0) err = (int)n;
    }
    fs_close(f);
    if (!err) err = fs_sync();
    uint64_t write_us = timer_us() - t0;
    unsigned long write_req = bd->requests - req0, write_exits = device_exits() - ex0;
    if (err) {
        kfree(buf);
        return shell_error("bench", path, err);
    }

    /* Read back and check. */
    f = fs_open(path, FS_READ, &err);
    if (!f) {
        kfree(buf);
        return shell_error("bench", path, err);
    }
    req0 = bd->requests, ex0 = device_exits();
    t0 = timer_us();
    bool ok = true;
    for (uint32_t done = 0; done < total && !err; done += chunk) {
        long n = fs_read(f, buf, MIN(chunk, total - done));
        if (n < 0) {
            err = (int)n;
            break;
        }
        for (uint32_t i = 0; i + 4 <= (uint32_t)n; i += 4)
            if (*(uint32_t *)(buf + i) != (done + i) * 2654435761u) ok = false;
    }
    uint64_t read_us = timer_us() - t0;
    unsigned long read_req = bd->requests - req0, read_exits = device_exits() - ex0;
    fs_close(f);
    fs_remove(path);
    fs_sync();
    kfree(buf);
    if (err) return shell_error("bench", path, err);
    rate("write", total, write_us, write_req, write_exits);
    rate("read", total, read_us, read_req, read_exits);
    out_printf("  data %s\n", ok ? "verified" : "CORRUPTED");
    return ok ? 0 : -EIO;
}

static int cmd_bench(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "cpu") == 0) return bench_cpu();
    if (argc >= 2 && strcmp(argv[1], "disk") == 0) {
        uint32_t kib = 1024;
        if (argc >= 3 && (!parse_u32(argv[2], &kib) || kib == 0 || kib > 65536)) {
            printf("bench: disk size is in KiB, 1 to 65536\n");
            return -EINVAL;
        }
        return bench_disk(kib);
    }
    printf("usage: bench cpu | bench disk [KiB]\n");
    return -EINVAL;
}

const struct command bench_commands[] = {
    {"bench", "cpu | disk [KiB]", "measure the CPU, or disk throughput (MB/s)", cmd_bench},
    {0, 0, 0, 0},
};
