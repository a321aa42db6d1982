// Simulator speed (docs/performance.md): one 5 mA/g cycle with 100 particle groups x 20
// volumes, a 20-pulse GITT, a 60-frequency impedance spectrum, and the whole demo.
#include <benchmark/benchmark.h>

#include "castor/sim/demo.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"

namespace {
namespace sim = castor::sim;

sim::CellParameters many_particles() {
  auto p = sim::preset("ntp-ca");
  p.model = sim::ParticleModel::diffusion;
  p.volumes = 20;
  p.diffusivity_m2_s = 5.7e-17;
  p.lognormal_particles(15e-9, 0.35, 100);
  p.activation_per_cycle = p.trapping_per_cycle = 0;
  return p;
}

void cycle_100x20(benchmark::State& state) {
  const auto p = many_particles();
  const auto steps = sim::parse_protocol("Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V");
  long n = 0;
  for (auto _ : state) n = sim::simulate(p, steps).solver_steps;
  state.counters["solver_steps"] = static_cast<double>(n);
}
BENCHMARK(cycle_100x20)->Unit(benchmark::kMillisecond);

void gitt_20_pulses(benchmark::State& state) {
  const auto p = sim::preset("ntp-ca");
  const auto steps = sim::parse_protocol("(Discharge at 5 mA/g for 30 minutes; Rest for 10 minutes) x 20");
  for (auto _ : state) benchmark::DoNotOptimize(sim::simulate(p, steps));
}
BENCHMARK(gitt_20_pulses)->Unit(benchmark::kMillisecond);

void impedance_60_frequencies(benchmark::State& state) {
  const auto p = many_particles();
  // 1 MHz .. 10 mHz at 7.5 per decade: 61 frequencies.
  const auto steps = sim::parse_protocol("Discharge at 5 mA/g for 2 hours; Impedance from 1 MHz to 1 mHz at 5 mV, 7 per decade");
  for (auto _ : state) benchmark::DoNotOptimize(sim::simulate(p, steps));
}
BENCHMARK(impedance_60_frequencies)->Unit(benchmark::kMillisecond);

void demo_all_experiments(benchmark::State& state) {
  const auto p = sim::preset("ntp-ca");
  for (auto _ : state) benchmark::DoNotOptimize(sim::run_demo(p));
}
BENCHMARK(demo_all_experiments)->Unit(benchmark::kMillisecond);
}  // namespace
