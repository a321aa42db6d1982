// simulate_many (src/castor/sim/simulate_many.cpp): a sweep on several threads gives, job by
// job, exactly what simulate() gives alone, in the jobs' order; a failing job does not stop
// the others, and its error (the first in job order) is what the caller gets.
#include <gtest/gtest.h>

#include <string>

#include "castor/core/error.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"
#include "castor/sim/simulate_many.h"

namespace {
namespace sim = castor::sim;

TEST(SimulateMany, SameResultsAsOneByOneInJobOrder) {
  std::vector<sim::SimulationJob> jobs;
  for (double k0 : {1e-3, 1e-2, 0.1, 1.0, 10.0}) {
    auto p = sim::preset("ntp-ca");
    p.k0_A_m2 = k0;
    jobs.push_back({p, sim::parse_protocol("Discharge at 20 mA/g until 1.6 V; Rest for 10 minutes"), {}});
  }
  const auto many = sim::simulate_many(jobs, 3);
  ASSERT_EQ(many.size(), jobs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const auto one = sim::simulate(jobs[k].params, jobs[k].protocol, jobs[k].options);
    EXPECT_EQ(many[k].solver_steps, one.solver_steps) << k;
    EXPECT_EQ(many[k].table.rows(), one.table.rows()) << k;
    EXPECT_EQ(many[k].charge_passed_C, one.charge_passed_C) << k;  // bit for bit: the same computation
    EXPECT_EQ(many[k].table.values("voltage_V").back(), one.table.values("voltage_V").back()) << k;
  }
  // The jobs differ, so the equalities above also check the order.
  EXPECT_NE(many[0].charge_passed_C, many[4].charge_passed_C);
}

TEST(SimulateMany, FirstFailingJobsErrorAfterAllRan) {
  auto good = sim::preset("ntp-ca");
  auto no_side = good;
  no_side.side_i0_A_g = 0;
  std::vector<sim::SimulationJob> jobs{
      {good, sim::parse_protocol("Discharge at 5 mA/g for 10 minutes"), {}},
      // Without the side reaction nothing takes the current once the cathode is full: an error.
      {no_side, sim::parse_protocol("Discharge at 5 mA/g for 1000 hours"), {}},
      {good, sim::parse_protocol("Charge at 5 mA/g for 10 minutes"), {}},
  };
  try {
    sim::simulate_many(jobs, 2);
    FAIL() << "no error";
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("the cathode is full"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(sim::simulate_many({}, 4).empty());
}

}  // namespace
