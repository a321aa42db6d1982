// XPS: VAMAS, PHI .spe, SpecsLab .xy and two-column files, by content.
#include "castor/xps/read_xps.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.xps");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::xps::read_xps(p); });
}
