// The format registry is the one source of castor's format list: `castor formats`, the
// README's table and --format all come from it, so they cannot drift apart.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>
#include <string>

#include "castor/io/detect.h"
#include "test_data.h"

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(FormatRegistry, ReadmeTableIsTheRegistry) {
  const auto dir = castor::test::scratch_dir("format_registry");
  const auto out = dir / "formats.md";
  const std::string cmd = std::string(CASTOR_CLI) + " formats --markdown > '" + out.string() + "'";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
  const std::string table = slurp(out);
  ASSERT_GT(table.size(), 100u);
  const std::string readme = slurp(std::filesystem::path(CASTOR_FIXTURE_DIR) / ".." / ".." / "README.md");
  EXPECT_NE(readme.find(table), std::string::npos)
      << "README.md's format table differs from `castor formats --markdown`; paste this in:\n" << table;
}

TEST(FormatRegistry, IdsAreUniqueAndCyclerIdsRoundTrip) {
  std::set<std::string> seen;
  for (const auto& f : castor::io::formats()) {
    EXPECT_TRUE(seen.insert(std::string(f.id)).second) << f.id;
    EXPECT_FALSE(f.description.empty()) << f.id;
    EXPECT_FALSE(f.checked.empty()) << f.id;
    if (f.table_format != castor::io::Format::unknown) {
      // Detection and reading come from the row itself.
      EXPECT_NE(f.sniff, nullptr) << f.id;
      EXPECT_NE(f.read, nullptr) << f.id;
      EXPECT_EQ(castor::io::format_info(f.table_format), &f) << f.id;
      EXPECT_EQ(castor::io::format_from_string(f.id), f.table_format);
      EXPECT_EQ(castor::io::to_string(f.table_format), f.id);
    }
  }
}

// Detection is the surest sniffer: magic bytes beat column words beat the extension.
TEST(FormatRegistry, SurestSnifferWins) {
  using castor::io::Format;
  auto detect = [](std::string text, const char* name) {
    const std::vector<std::uint8_t> b(text.begin(), text.end());
    return castor::io::detect_format(b, name);
  };
  EXPECT_EQ(detect("BIO-LOGIC MODULAR FILE\x1a", "x.csv"), Format::biologic_mpr);  // magic over extension
  EXPECT_EQ(detect("a,b\n1,2\n", "x.mpr"), Format::biologic_mpr);                 // extension only
  EXPECT_EQ(detect("mode\ttime/s\tEwe/V\n1\t0\t3\n", "x.csv"), Format::biologic_mpt);
  EXPECT_EQ(detect("mode;time/s;Ewe/V\n1;0;3\n", "x.txt"), Format::biologic_csv);
  EXPECT_EQ(detect("EXPLAIN\nTAG\tCV\n", "x.txt"), Format::gamry_dta);
  EXPECT_EQ(detect("a,b\n1,2\n", "x.csv"), Format::generic_csv);
  EXPECT_EQ(detect("a,b\n1,2\n", "x.dat"), Format::unknown);
}
