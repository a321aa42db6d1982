// The format registry is the one source of castor's format list: `castor formats`, the
// README's table and --format all come from it, so they cannot drift apart.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
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
      EXPECT_EQ(castor::io::format_from_string(f.id), f.table_format);
      EXPECT_EQ(castor::io::to_string(f.table_format), f.id);
    }
  }
}
