#pragma once

namespace castor::cli {

// Serves the tool's heap from transparent huge pages where the kernel offers them
// (madvise mode): the columns a reader fills are first touched 2 MB at a time instead of
// 4 kB at a time. On a VM a first touch costs ~13 us per 4 kB page (0.3 GB/s), so for a
// file of 10-50 MB of columns most of a cold read is page faults (docs/performance.md).
// Call once at the start of main, before the first large allocation; it only sets malloc's
// parameters and advises the kernel, and does nothing where huge pages are off.
void use_huge_pages_for_the_heap();

}  // namespace castor::cli
