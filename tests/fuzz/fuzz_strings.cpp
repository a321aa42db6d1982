// The small languages users type: circuit strings, chemical formulas, protocols and
// simulator parameter files. The first byte picks which.
#include "castor/chem/formula.h"
#include "castor/eis/circuit.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(castor::fuzz::as_text(data + 1, size - 1));
  return castor::fuzz::expect_castor_errors_only([&] {
    switch (data[0] % 4) {
      case 0:
        (void)castor::eis::Circuit(text);
        break;
      case 1:
        (void)castor::chem::parse_formula(text);
        break;
      case 2:
        (void)castor::sim::parse_protocol(text);
        break;
      default:
        (void)castor::sim::parse_parameters(text, "fuzz.toml");
        break;
    }
  });
}
