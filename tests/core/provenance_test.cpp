// Every JSON output records castor's version and the command that made it (issue 15, item 8).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "castor/core/provenance.h"
#include "test_data.h"

TEST(Provenance, JsonOutputsNameVersionAndCommand) {
  const auto dir = castor::test::scratch_dir("provenance");
  const std::string nav = castor::test::data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").string();
  const std::string eis = castor::test::data_file("echem/impedance.py/exampleData.csv").string();
  const std::string cli = CASTOR_CLI;
  const std::pair<std::string, std::string> runs[] = {
      {"cycling " + nav + " --mass-mg 7 --ce discharge/charge -o " + (dir / "c.json").string(), "c.json"},
      {"convert " + nav + " -o " + (dir / "t.json").string(), "t.json"},
      {"eis fit " + eis + " --circuit 'R0-p(R1,C1)' -o " + (dir / "e.json").string(), "e.json"},
  };
  for (const auto& [args, file] : runs) {
    ASSERT_EQ(std::system((cli + " " + args + " > /dev/null 2>&1").c_str()), 0) << args;
    std::ifstream in(dir / file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(std::string("\"version\": \"") + castor::version() + "\""), std::string::npos) << file;
    EXPECT_NE(text.find("\"command\": \"castor "), std::string::npos) << file;
  }
  std::ifstream in(dir / "c.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--ce discharge/charge"), std::string::npos);
}
