// AdviseHugePages (huge_pages.h): the 2 MiB-aligned interior of a large block
// is advised onto transparent huge pages (the "hg" flag of its mapping in
// /proc/self/smaps); a block too small to hold a huge page is left alone.
#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "storage/huge_pages.h"

namespace strata::storage {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// The VmFlags line of the mapping holding `address`, or "" when none does.
std::string VmFlagsAt(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  auto want = reinterpret_cast<uintptr_t>(address);
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= want && want < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

class HugePagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
      GTEST_SKIP() << "this kernel has no transparent huge pages";
    }
  }
};

TEST_F(HugePagesTest, LargeBlocksAreAdvisedAndSmallOnesLeftAlone) {
  // Fresh private mappings, so the flags seen are this test's doing.
  const size_t bytes = 6 * kHugePage;
  void* large = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* small = mmap(nullptr, kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(large, MAP_FAILED);
  ASSERT_NE(small, MAP_FAILED);
  // Started off-alignment, as a malloc'd block is.
  char* block = static_cast<char*>(large) + 4096 + 16;
  AdviseHugePages(block, bytes - 4096 - 16);
  auto start = reinterpret_cast<uintptr_t>(block);
  auto interior = reinterpret_cast<const void*>((start + kHugePage - 1) & ~(kHugePage - 1));
  EXPECT_NE(VmFlagsAt(interior).find(" hg"), std::string::npos) << VmFlagsAt(interior);
  EXPECT_EQ(VmFlagsAt(block).find(" hg"), std::string::npos) << "the unaligned head is not advised";

  AdviseHugePages(static_cast<char*>(small) + 16, kHugePage - 16);
  EXPECT_EQ(VmFlagsAt(small).find(" hg"), std::string::npos) << VmFlagsAt(small);
  AdviseHugePages(nullptr, bytes);  // nothing to advise, and no crash
  munmap(large, bytes);
  munmap(small, kHugePage);
}

}  // namespace
}  // namespace strata::storage
