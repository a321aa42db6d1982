#include "huge_page_heap.h"

#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace castor::cli {

void use_huge_pages_for_the_heap() {
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  // Blocks up to 32 MB (glibc's largest threshold; a column of 4 million rows) come from the
  // heap instead of a mapping of their own, which the kernel would back with 4 kB pages
  // unless it were 2 MB aligned. mallopt returns 0 when the malloc is not glibc's (under a
  // sanitizer): nothing else is done then.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0) return;
  // The heap grows 256 MB of address space at a time (memory is used only where touched) and
  // is never given back before the process ends, so that it stays one advised region.
  mallopt(M_TOP_PAD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  void* grow = std::malloc(kHugePage);        // more than the start-up heap has left: it grows now
  asm volatile("" : : "r"(grow) : "memory");  // (not an allocation the compiler may remove)
  std::free(grow);
  const auto after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const std::uintptr_t begin = (before + kHugePage - 1) & ~(kHugePage - 1), end = after & ~(kHugePage - 1);
  // A refusal (huge pages compiled out of the kernel) leaves ordinary pages: nothing to report.
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

}  // namespace castor::cli
