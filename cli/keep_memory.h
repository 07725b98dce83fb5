/* What c1scan and c1bench set before their first read, so that the benchmark times reads as c1scan
 * runs them. A read allocates and frees some tens of MB (the photo, the page, the networks' buffers).
 * glibc hands blocks this large to mmap and gives freed memory back to the system at once, so each
 * photo pays its page faults anew: keep it for the next photo instead (the peak is the same).
 * Measured: one job's system time 2.5 -> 0.4 s on 90 photos, a fifth off its wall time
 * (docs/measurements.md, 2026-12-07). Each setting alone was slower. 32 MB is the largest mmap
 * threshold glibc takes on 64-bit machines. Process-wide, so the program's to set, not the library's. */
#ifndef C1_CLI_KEEP_MEMORY_H
#define C1_CLI_KEEP_MEMORY_H

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static inline void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

#endif
