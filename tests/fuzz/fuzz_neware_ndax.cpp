// Neware .ndax (a zip of .ndc tables and .xml), through libzip.
#include "castor/io/neware.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.ndax");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::io::read_neware_ndax(p); });
}
