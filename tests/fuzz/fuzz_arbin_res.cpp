// Arbin .res (a Jet database, through libmdb).
#include "castor/io/arbin_res.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto p = castor::fuzz::as_file(data, size, "fuzz.res");
  return castor::fuzz::expect_castor_errors_only([&] { (void)castor::io::read_arbin_res(p); });
}
