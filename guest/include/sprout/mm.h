/* Memory: the page allocator, Sv32 paging and the kernel heap. */
#ifndef SPROUT_MM_H
#define SPROUT_MM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tabvisor/hypercall.h>

/* kernel/page-alloc.c: 4 KiB frames of RAM. Virtual = physical (identity map). */
void page_alloc_init(uintptr_t ram_base, uintptr_t ram_end);
void page_reserve(uintptr_t start, uintptr_t end);
void *page_alloc(void);                 /* one zeroed page, or NULL */
void *page_alloc_contiguous(unsigned n); /* n zeroed, physically consecutive pages */
void *page_alloc_run(unsigned n, bool zero);
void page_free(void *p);
unsigned long pages_total(void);
unsigned long pages_free(void);
uintptr_t ram_start(void);
uintptr_t ram_end(void);

/* kernel/paging.c: Sv32 (privileged spec 1.12 §4.3). */
#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_G (1u << 5)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
void paging_init(void);
/* Identity-map [pa, pa + size) with permissions (PTE_R/W/X); uses 4 MiB megapages when aligned. */
void paging_map(uintptr_t pa, uintptr_t size, uint32_t perms, const char *what);
unsigned long paging_table_pages(void);
void paging_dump(void);

/* kernel/heap.c */
void heap_init(size_t bytes);
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
size_t heap_used(void);
size_t heap_size(void);

#endif
