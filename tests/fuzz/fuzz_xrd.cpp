// XRD patterns: .xrdml, GSAS STD and xy columns, by content.
#include "castor/xrd/pattern.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.xy");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::xrd::read_pattern(p); });
}
