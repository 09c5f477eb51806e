/*
 * The page allocator: one bit per 4 KiB frame of RAM, set when the frame is
 * in use. RAM, the kernel image and the VMM's reserved pages come from the
 * device tree (see kernel/main.c). Sprout maps RAM one-to-one, so a page's
 * virtual address is its physical address.
 */
#include <sprout/kernel.h>
#include <sprout/mm.h>

#define MAX_FRAMES (1u << 18) /* 1 GiB of RAM */
static uint32_t used[MAX_FRAMES / 32];
static uintptr_t base, end;
static unsigned long nframes, nfree;
static unsigned long hint;

static bool frame_used(unsigned long i) { return (used[i / 32] >> (i % 32)) & 1; }
static void frame_set(unsigned long i, bool on) {
    if (on) used[i / 32] |= 1u << (i % 32);
    else used[i / 32] &= ~(1u << (i % 32));
}

void page_alloc_init(uintptr_t ram_base, uintptr_t ram_end) {
    base = ram_base;
    end = ram_end;
    nframes = (ram_end - ram_base) / PAGE_SIZE;
    if (nframes > MAX_FRAMES) {
        nframes = MAX_FRAMES;
        end = base + nframes * PAGE_SIZE;
    }
    nfree = nframes;
}

void page_reserve(uintptr_t start, uintptr_t stop) {
    if (start < base) start = base;
    if (stop > end) stop = end;
    for (uintptr_t a = ALIGN_DOWN(start, PAGE_SIZE); a < stop; a += PAGE_SIZE) {
        unsigned long i = (a - base) / PAGE_SIZE;
        if (!frame_used(i)) {
            frame_set(i, true);
            nfree--;
        }
    }
}

void *page_alloc_run(unsigned n, bool zero) {
    if (n == 0 || n > nfree) return NULL;
    for (unsigned long tries = 0, i = hint; tries < nframes; tries++, i = (i + 1) % nframes) {
        if (i + n > nframes) {
            i = nframes - 1; /* wraps to 0 next */
            continue;
        }
        unsigned k = 0;
        while (k < n && !frame_used(i + k)) k++;
        if (k == n) {
            for (k = 0; k < n; k++) frame_set(i + k, true);
            nfree -= n;
            hint = (i + n) % nframes;
            void *p = (void *)(base + i * PAGE_SIZE);
            if (zero) memset(p, 0, (size_t)n * PAGE_SIZE);
            return p;
        }
        i += k; /* skip past the used frame */
        tries += k;
    }
    return NULL;
}

void *page_alloc_contiguous(unsigned n) { return page_alloc_run(n, true); }
void *page_alloc(void) { return page_alloc_run(1, true); }

void page_free(void *p) {
    uintptr_t a = (uintptr_t)p;
    if (a < base || a >= end || (a & (PAGE_SIZE - 1))) panic("page_free: bad page %p", p);
    unsigned long i = (a - base) / PAGE_SIZE;
    if (!frame_used(i)) panic("page_free: %p is not allocated", p);
    frame_set(i, false);
    nfree++;
}

unsigned long pages_total(void) { return nframes; }
unsigned long pages_free(void) { return nfree; }
uintptr_t ram_start(void) { return base; }
uintptr_t ram_end(void) { return end; }
