// Every text table reader behind read_table's detection: BioLogic .mpt/.csv, Maccor,
// Basytec, Neware CSV, Gamry DTA and generic CSV (the name ends in .txt so that a table
// no magic line claims goes to the generic reader).
#include "castor/io/read.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.txt");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::io::read_table(p); });
}
