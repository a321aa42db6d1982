// One error type with a kind that sets the exit status; every exception a front end
// catches becomes one (castor::current_error); no catch block swallows an error in silence.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <new>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace {

castor::Error caught(const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    return castor::current_error();
  }
  return castor::Error("nothing thrown", castor::ErrorKind::internal);
}

TEST(Error, KindsMapToExitStatuses) {
  EXPECT_EQ(castor::Error("x").kind(), castor::ErrorKind::input);
  EXPECT_EQ(castor::Error("x").exit_status(), 2);
  EXPECT_EQ(castor::Error("x", castor::ErrorKind::usage).exit_status(), 2);
  EXPECT_EQ(castor::Error("x", castor::ErrorKind::resource).exit_status(), 2);
  EXPECT_EQ(castor::Error("x", castor::ErrorKind::internal).exit_status(), 3);
  EXPECT_STREQ(castor::to_string(castor::ErrorKind::usage), "usage");
}

TEST(Error, CurrentErrorTranslatesEveryException) {
  const auto file = caught([] { throw castor::Error("a.mpr", "BioLogic .mpr", "truncated").at_byte(58); });
  EXPECT_EQ(file.kind(), castor::ErrorKind::input);
  EXPECT_EQ(file.file(), "a.mpr");
  EXPECT_EQ(std::string(file.what()), "a.mpr (BioLogic .mpr), byte 58: truncated");
  EXPECT_EQ(caught([] { throw std::bad_alloc(); }).kind(), castor::ErrorKind::resource);
  const auto fs = caught([] { (void)std::filesystem::file_size("/nonexistent/castor/file"); });
  EXPECT_EQ(fs.kind(), castor::ErrorKind::resource);
  EXPECT_EQ(fs.file(), "/nonexistent/castor/file");
  const auto bug = caught([] { throw std::out_of_range("vector::at"); });
  EXPECT_EQ(bug.kind(), castor::ErrorKind::internal);
  EXPECT_EQ(bug.exit_status(), 3);
  EXPECT_EQ(caught([] { throw 42; }).kind(), castor::ErrorKind::internal);
}

TEST(Error, ParseIntegerNamesTheTextAndTheRange) {
  EXPECT_EQ(castor::parse_integer(" +12 ", "--block", 1, 20), 12);
  for (const char* bad : {"abc", "1.5", "", "12x", "1e3"}) {
    try {
      (void)castor::parse_integer(bad, "--block", 1, 20);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const castor::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--block"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)castor::parse_integer("21", "--block", 1, 20), castor::Error);
  EXPECT_THROW((void)castor::parse_integer("99999999999999999999999", "--block", 1, 20), castor::Error);
}

// An empty catch block drops what went wrong: a fit that failed, a reader's complaint.
TEST(SourceRules, NoEmptyCatchBlock) {
  const std::regex empty_catch(R"(catch\s*\([^)]*\)\s*\{\s*\})");
  const std::filesystem::path root = CASTOR_SOURCE_DIR;
  std::vector<std::string> found;
  for (const char* dir : {"src", "include", "apps"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file() || (e.path().extension() != ".cpp" && e.path().extension() != ".h")) continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      if (std::regex_search(text.str(), empty_catch)) found.push_back(e.path().lexically_relative(root).string());
    }
  EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);
}

}  // namespace
