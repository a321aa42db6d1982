// One experiment in several files: a real run split in two (as EC-Lab does when a run is
// continued in a new file: the second file's clock, steps and cycles restart) must join
// back into the run it was, and parts that cannot be one experiment must be refused.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/io/detail/text.h"
#include "test_data.h"

using castor::test::data_file;
namespace col = castor::col;

namespace {

const char* kRun = "cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr";

// The rows [begin, end) as a file of their own would hold them: time from 0 with the start
// date moved on, step and cycle numbers from their first value (as a new EC-Lab file).
castor::Table as_own_file(const castor::Table& whole, std::size_t begin, std::size_t end, double first_step, double first_cycle) {
  castor::Table part = whole.slice(begin, end);
  part.meta = whole.meta;
  const double t0 = whole.values(col::time_s)[begin];
  for (double& v : part.find(col::time_s)->values) v -= t0;
  const double start = *castor::io::parse_datetime_s(whole.meta.start_time) + t0;
  part.meta.start_time = castor::io::format_datetime(start);
  for (auto [name, first] : {std::pair{col::step, first_step}, std::pair{col::cycle, first_cycle}})
    if (auto* c = part.find(name)) {
      const double lo = c->values.front();
      for (double& v : c->values) v = v - lo + first;
    }
  part.meta.source_file = whole.meta.source_file + (begin == 0 ? ".part1" : ".part2");
  return part;
}

}  // namespace

TEST(Join, SplitRunJoinsBack) {
  const auto whole = castor::io::read_table(data_file(kRun));
  ASSERT_GT(whole.rows(), 1000u);
  ASSERT_FALSE(whole.meta.start_time.empty());
  // Split where a new step begins, as a continued run does.
  const auto& step = whole.values(col::step);
  std::size_t cut = whole.rows() / 2;
  while (cut < whole.rows() && step[cut] == step[cut - 1]) ++cut;
  ASSERT_LT(cut, whole.rows());
  auto a = as_own_file(whole, 0, cut, step[0], whole.values(col::cycle)[0]);
  auto b = as_own_file(whole, cut, whole.rows(), step[0], whole.values(col::cycle)[0]);
  // Given in the wrong order: joined in time order all the same.
  std::vector<castor::Table> parts;
  parts.push_back(b);
  parts.push_back(a);
  const auto joined = castor::io::join_tables(std::move(parts));
  ASSERT_EQ(joined.rows(), whole.rows());
  const auto& t = joined.values(col::time_s);
  const auto& t_ref = whole.values(col::time_s);
  // Dates are kept to the second in the metadata: times agree within 1 s.
  for (std::size_t i = 0; i < whole.rows(); i += 997) EXPECT_NEAR(t[i], t_ref[i], 1.0) << i;
  EXPECT_EQ(joined.values(col::voltage_V), whole.values(col::voltage_V));
  // The restarted counters continue: strictly increasing over the cut.
  EXPECT_GT(joined.values(col::step)[cut], joined.values(col::step)[cut - 1]);
  EXPECT_GE(joined.values(col::cycle)[cut], joined.values(col::cycle)[cut - 1]);
  EXPECT_NE(joined.meta.extra.at("joined").find("2 files in time order"), std::string::npos);
  // And the analysis sees the same half cycles and capacities as on the whole run.
  const auto r_whole = castor::cycling::analyse_cycling(whole);
  const auto r_joined = castor::cycling::analyse_cycling(joined);
  ASSERT_EQ(r_joined.half_cycles.size(), r_whole.half_cycles.size());
  for (std::size_t h = 0; h < r_whole.half_cycles.size(); ++h)
    EXPECT_NEAR(r_joined.half_cycles[h].capacity_mAh, r_whole.half_cycles[h].capacity_mAh,
                1e-3 * r_whole.half_cycles[h].capacity_mAh + 1e-6)
        << h;
}

TEST(Join, RefusesWhatIsNotOneExperiment) {
  const auto whole = castor::io::read_table(data_file(kRun));
  auto expect_refused = [](std::vector<castor::Table> parts, const std::string& why) {
    try {
      (void)castor::io::join_tables(std::move(parts));
      FAIL() << why;
    } catch (const castor::Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  expect_refused({whole, whole}, "overlap in time");
  auto other_channel = whole;
  other_channel.meta.extra["channel"] = "3";
  expect_refused({whole, other_channel}, "channel 3 differs");
  auto other_instrument = whole;
  other_instrument.meta.instrument = "Neware BTS";
  expect_refused({whole, other_instrument}, "instrument 'Neware BTS' differs");
  expect_refused({whole}, "two or more files");
}

TEST(Join, UndatedPartsContinueTheClock) {
  auto whole = castor::io::read_table(data_file(kRun));
  whole.meta.start_time.clear();
  auto a = whole.slice(0, 100), b = whole.slice(100, 200);
  a.meta = b.meta = whole.meta;
  for (double& v : b.find(col::time_s)->values) v -= whole.values(col::time_s)[100];
  const auto j = castor::io::join_tables({a, b});
  const auto& t = j.values(col::time_s);
  EXPECT_GT(t[100], t[99]);
  EXPECT_NE(j.meta.extra.at("joined.1").find("in the order given"), std::string::npos);
}

TEST(Join, CliJoinsOrRefusesWithExit2) {
  const std::string f = data_file(kRun).string();
  const std::string cmd = std::string(CASTOR_CLI) + " info '" + f + "' '" + f + "' > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
}
