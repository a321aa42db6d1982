// Every libFuzzer finding (scripts/fuzz.sh) becomes a case here, rebuilt from a real file
// so that it runs in the ordinary test builds (release and sanitizer).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "castor/core/error.h"
#include "castor/xps/read_xps.h"
#include "test_data.h"

using castor::test::data_file;

// fuzz_xps: a VAMAS count field of 1e37 was cast to long (undefined behaviour).
TEST(FuzzFindings, VamasHugeCount) {
  const auto dir = castor::test::scratch_dir("fuzz_vamas");
  std::ifstream in(data_file("materials/xylib/mjr9_116a.vms"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  // Line 6 is the number of comment lines.
  std::size_t pos = 0;
  for (int l = 1; l < 6; ++l) pos = s.find('\n', pos) + 1;
  const auto end = s.find('\n', pos);
  s = s.substr(0, pos) + "1e37" + s.substr(end);
  std::ofstream(dir / "huge.vms", std::ios::binary) << s;
  try {
    (void)castor::xps::read_xps(dir / "huge.vms");
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("whole number"), std::string::npos) << e.what();
  }
}
