// Impedance text formats (Gamry ZCURVE, ZPlot, VersaStudio, CH Instruments, Autolab,
// Parstat, f/Z'/Z'' tables) from memory.
#include "castor/eis/read_impedance.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return castor::fuzz::expect_castor_errors_only(
      [&] { (void)castor::eis::read_impedance_text(castor::fuzz::as_text(data, size), "fuzz.z"); });
}
