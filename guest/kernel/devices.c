/* The list of devices Sprout has bound (lsdev). */
#include <sprout/device.h>

#define MAX_DEVICES 16
static struct device devices[MAX_DEVICES];
static int ndevices;

struct device *device_add(const char *name, const char *driver, const char *fmt, ...) {
    if (ndevices == MAX_DEVICES) panic("too many devices");
    struct device *d = &devices[ndevices++];
    strlcpy(d->name, name, sizeof d->name);
    d->driver = driver;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->info, sizeof d->info, fmt, ap);
    va_end(ap);
    printk("%s: %s\n", d->name, d->info);
    return d;
}

int device_count(void) { return ndevices; }
struct device *device_at(int i) { return i >= 0 && i < ndevices ? &devices[i] : 0; }
