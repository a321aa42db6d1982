// Physical constants are defined once (castor/core/constants.h): a second literal copy of
// F, R, kB, e, NA or a Cu K-alpha wavelength anywhere in the library or the CLI is how
// 1.5406 and 1.540593 came to be used side by side.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "castor/core/constants.h"

namespace {

TEST(Constants, DefinedOnceInTheSources) {
  const std::regex literal(R"(96485\.3|8\.31446|1\.380649|8\.61733|1\.602176|6\.02214|1\.5405|1\.5406|1\.5443|1\.5444)");
  const std::filesystem::path root = CASTOR_SOURCE_DIR;
  std::vector<std::string> copies;
  for (const char* dir : {"src", "include", "apps"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file() || e.path().filename() == "constants.h") continue;
      const auto ext = e.path().extension();
      if (ext != ".h" && ext != ".cpp" && ext != ".in") continue;
      std::ifstream in(e.path());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        const auto comment = line.find("//");
        const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
        if (std::regex_search(code, literal)) copies.push_back(e.path().lexically_relative(root).string() + ":" + std::to_string(n));
      }
    }
  EXPECT_TRUE(copies.empty()) << "a constant is written out again at " << ::testing::PrintToString(copies);
}

TEST(Constants, Codata2018) {
  using namespace castor::constants;
  // F = NA e and R = NA kB (exact in the SI since 2019), kB/e in eV/K.
  EXPECT_NEAR(faraday_C_mol, avogadro_1_mol * elementary_charge_C, 1e-5);
  EXPECT_NEAR(gas_J_mol_K, avogadro_1_mol * boltzmann_J_K, 1e-8);
  EXPECT_NEAR(boltzmann_eV_K, boltzmann_J_K / elementary_charge_C, 1e-14);
  EXPECT_GT(cu_ka2_Ang, cu_ka1_Ang);
}

}  // namespace
