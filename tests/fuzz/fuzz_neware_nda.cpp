// Neware .nda (versions 14-29 and 130).
#include "castor/io/neware.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.nda");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::io::read_neware_nda(p); });
}
