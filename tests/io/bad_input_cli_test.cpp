// Bad input through the command line: every case ends with exit status 2 and a message that
// names the file or option, within a few seconds (the mutation campaign found stack
// overflows, hangs, impossible allocations and exit statuses 3, 104-114 for these).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "test_data.h"

namespace fs = std::filesystem;
using castor::test::data_file;

namespace {

struct CliRun {
  int status = -1;
  std::string err;
  double seconds = 0;
};

CliRun run(const std::string& args, const fs::path& dir) {
  const auto err_file = dir / "stderr.txt";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string cmd = std::string("timeout 20 ") + CASTOR_CLI + " " + args + " > /dev/null 2> '" + err_file.string() + "'";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

void expect_refused(const std::string& args, const std::string& named, const fs::path& dir) {
  const CliRun r = run(args, dir);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  EXPECT_NE(r.err.find(named), std::string::npos) << args << "\n" << r.err;
  EXPECT_LT(r.seconds, 10.0) << args;
}

}  // namespace

TEST(BadInputCli, OptionsAndCommandLine) {
  const auto dir = castor::test::scratch_dir("bad_cli");
  const std::string z = data_file("echem/impedance.py/Circuit3_EIS_1.z").string();
  const std::string csv = data_file("echem/impedance.py/exampleData.csv").string();
  expect_refused("eis kk " + z + " --mu nan", "--mu", dir);
  expect_refused("eis drt " + z + " --lambda inf", "--lambda", dir);
  expect_refused("eis fit " + csv + " --circuit 'R0-p(R1,C1)' --initial 1e400,1,1", "--initial", dir);
  expect_refused("eis fit " + csv + " --circuit 'R0-p(R1,C1)' --constant R0=abc", "--constant R0", dir);
  expect_refused("gitt " + csv + " --mass-mg 1 --radius-nm inf", "--radius-nm", dir);
  expect_refused("info", "FILES is required", dir);
  expect_refused("info a b c", "a: no such file", dir);
  expect_refused("formats extra", "not expected", dir);
  expect_refused("cycling " + csv + " --no-such-option", "no-such-option", dir);
  expect_refused(
      "dqdv " + data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").string() + " --cycle 2 --grid-mV 1e-9",
      "grid points", dir);
  // A circuit nested 2000 deep and a formula nested 5000 deep: no stack overflow.
  std::string circuit = "R0";
  for (int i = 0; i < 2000; ++i) circuit = "p(" + circuit + ",C" + std::to_string(i) + ")";
  expect_refused("eis fit " + csv + " --circuit '" + circuit + "'", "nested", dir);
  std::string formula = "Na";
  for (int i = 0; i < 5000; ++i) formula = "(" + formula + ")";
  expect_refused("cycling " + data_file("cycler/NewareNDA/test_2.ndax").string() + " --formula '" + formula + "'", "nested", dir);
  EXPECT_EQ(run("--version", dir).status, 0);
  EXPECT_EQ(run("--help", dir).status, 0);
}

TEST(BadInputCli, PathsThatAreNotFiles) {
  const auto dir = castor::test::scratch_dir("bad_paths");
  expect_refused("info " + dir.string(), "is a directory", dir);
  expect_refused("eds " + dir.string(), "is a directory", dir);
  const auto fifo = dir / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_refused("info " + fifo.string(), "not a regular file", dir);
  fs::create_symlink(dir / "loop_a", dir / "loop_b");
  fs::create_symlink(dir / "loop_b", dir / "loop_a");
  expect_refused("xrd reflections --cif " + (dir / "loop_a").string(), "loop_a", dir);
  expect_refused("info " + (dir / "missing.mpr").string(), "no such file", dir);
  // A 2 GB sparse file is refused by its size before anything is read.
  const auto big = dir / "big.csv";
  { std::ofstream(big).put('x'); }
  fs::resize_file(big, 2ull << 30);
  expect_refused("info " + big.string(), "larger than castor reads", dir);
  fs::remove(big);
}

TEST(BadInputCli, TextWhoseNewlinesWereLost) {
  const auto dir = castor::test::scratch_dir("bad_newlines");
  // One line of 100,000 fields: linear-time header handling, a clear refusal.
  std::string line = "time/s";
  for (int i = 0; i < 100000; ++i) line += "\tcol" + std::to_string(i % 7);
  { std::ofstream(dir / "one_line.txt") << line << "\n1\t2\n"; }
  const CliRun r = run("info " + (dir / "one_line.txt").string(), dir);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("one_line.txt"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds, 10.0);
  const CliRun cv = run("cv " + (dir / "one_line.txt").string(), dir);
  EXPECT_EQ(cv.status, 2) << cv.err;
  EXPECT_LT(cv.seconds, 10.0);
}
