// Advice to back large, randomly read blocks with transparent huge pages.
//
// An HNSW search reads a few hundred bytes at random from blocks of tens of
// megabytes; on 4 KiB pages nearly every read is also a TLB miss. A 2 MiB page
// lets one TLB entry cover 512 times as much (docs/guarantees.md "Vectors").
#pragma once

#include <cstddef>

namespace strata::storage {

// Advises the 2 MiB-aligned interior of [block, block + bytes) onto
// transparent huge pages, when that interior holds at least one huge page.
// Call it before the pages are first written: the kernel then backs them with
// huge pages as they are touched, where THP is "always" or "madvise". Only
// advice: where THP is off, or madvise fails, nothing changes.
void AdviseHugePages(void* block, size_t bytes);

}  // namespace strata::storage
