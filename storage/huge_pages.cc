#include "storage/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace strata::storage {

void AdviseHugePages(void* block, size_t bytes) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;  // x86-64, and arm64 with 4 KiB pages
  if (block == nullptr) return;
  const auto start = reinterpret_cast<uintptr_t>(block);
  const uintptr_t begin = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (start + bytes) & ~(kHugePage - 1);
  if (end < begin + kHugePage) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice: a failure changes nothing
}

}  // namespace strata::storage
