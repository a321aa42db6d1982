// The README's numbers come from the answer files of examples/cli: a comment
// `<!-- answer NAME: 86.43 93.52 -->` beside a quoted number says which answer holds it, and
// this test checks that every such number is printed in examples/cli/NAME.out (to the
// README's decimals) and quoted in the README's text. A change that alters the number
// fails the example's answer check first, then this test until the README is updated.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> numbers_in(const std::string& text) {
  std::vector<std::string> out;
  const std::regex number(R"([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number); it != std::sregex_iterator(); ++it) out.push_back(it->str());
  return out;
}

int decimals(const std::string& n) {
  const auto dot = n.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(n.size() - dot - 1);
}

TEST(Readme, QuotedNumbersComeFromAnswerFiles) {
  const std::filesystem::path root = CASTOR_SOURCE_DIR;
  const std::string readme = slurp(root / "README.md");
  const std::regex anchor(R"(<!-- answer ([a-z0-9_]+): ([^>]*) -->)");
  const std::string text = std::regex_replace(readme, std::regex("<!--[^>]*-->"), "");
  int checked = 0;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), anchor); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1], list = (*it)[2];
    const auto answer_path = root / "examples" / "cli" / (name + ".out");
    ASSERT_TRUE(std::filesystem::exists(answer_path)) << "README cites " << answer_path;
    const auto printed = numbers_in(slurp(answer_path));
    std::istringstream quoted(list);
    std::string q;
    while (quoted >> q) {
      ++checked;
      EXPECT_NE(text.find(q), std::string::npos) << q << " (from " << name << ") is not quoted in the README's text";
      const double v = std::stod(q), scale = std::pow(10.0, decimals(q));
      bool found = false;
      for (const auto& p : printed) found = found || std::fabs(std::round(std::stod(p) * scale) - std::round(v * scale)) < 0.5;
      EXPECT_TRUE(found) << "README quotes " << q << " from examples/cli/" << name << ".out, which does not print it";
    }
  }
  EXPECT_GE(checked, 12);
}

}  // namespace
