// Benchmark entry point. With --keep-heap, glibc keeps freed memory instead of returning
// it to the kernel (as a long-running process, e.g. a batch conversion or the Python
// module, ends up doing), so repeated reads measure parsing rather than the kernel's
// page-fault cost for fresh memory. docs/performance.md reports both.
#include <malloc.h>

#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep-heap") == 0) {
      mallopt(M_MMAP_THRESHOLD, 512 << 20);
      mallopt(M_TRIM_THRESHOLD, 1 << 30);
      continue;
    }
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
