/*
 * The kernel heap: a first-fit free list (K&R, "The C Programming Language"
 * §8.7) over one block of pages. Each block carries a header with its size
 * in units; free blocks are kept in address order and merged with their
 * neighbours when freed.
 */
#include <sprout/kernel.h>
#include <sprout/mm.h>

union header {
    struct {
        union header *next;
        size_t units; /* including this header */
    } s;
    uint64_t align; /* keeps blocks 8-byte aligned */
};

static union header base;
static union header *freep;
static size_t total_bytes, used_bytes;

void heap_init(size_t bytes) {
    unsigned pages = (unsigned)(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
    union header *h = page_alloc_run(pages, false); /* kmalloc does not promise zeroes */
    if (!h) panic("heap: cannot get %u pages", pages);
    total_bytes = (size_t)pages * PAGE_SIZE;
    h->s.units = total_bytes / sizeof(union header);
    h->s.next = &base;
    base.s.next = h;
    base.s.units = 0;
    freep = &base;
}

void *kmalloc(size_t n) {
    size_t units = (n + sizeof(union header) - 1) / sizeof(union header) + 1;
    union header *prev = freep;
    for (union header *p = prev->s.next;; prev = p, p = p->s.next) {
        if (p->s.units >= units) {
            if (p->s.units == units) {
                prev->s.next = p->s.next;
            } else {
                p->s.units -= units;
                p += p->s.units;
                p->s.units = units;
            }
            freep = prev;
            used_bytes += units * sizeof(union header);
            return p + 1;
        }
        if (p == freep) return NULL; /* went all the way round */
    }
}

void *kzalloc(size_t n) {
    void *p = kmalloc(n);
    if (p) memset(p, 0, n);
    return p;
}

void kfree(void *ptr) {
    if (!ptr) return;
    union header *b = (union header *)ptr - 1, *p;
    used_bytes -= b->s.units * sizeof(union header);
    for (p = freep; !(b > p && b < p->s.next); p = p->s.next)
        if (p >= p->s.next && (b > p || b < p->s.next)) break; /* at one end of the list */
    if (b + b->s.units == p->s.next) { /* merge with the next block */
        b->s.units += p->s.next->s.units;
        b->s.next = p->s.next->s.next;
    } else {
        b->s.next = p->s.next;
    }
    if (p + p->s.units == b && p != &base) { /* merge with the previous block */
        p->s.units += b->s.units;
        p->s.next = b->s.next;
    } else {
        p->s.next = b;
    }
    freep = p;
}

size_t heap_used(void) { return used_bytes; }
size_t heap_size(void) { return total_bytes; }
