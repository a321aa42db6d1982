// BioLogic .mpr from memory.
#include "castor/io/biologic_mpr.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return castor::fuzz::expect_castor_errors_only(
      [&] { (void)castor::io::read_biologic_mpr(std::span<const std::uint8_t>(data, size), "fuzz.mpr"); });
}
