// Fit time per spectrum (docs/performance.md compares with impedance.py on the same data).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "castor/eis/fit.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/read_impedance.h"

namespace {
namespace eis = castor::eis;

eis::Spectrum example() {
  return eis::keep_capacitive(eis::read_impedance(std::filesystem::path(CASTOR_DATA_DIR) / "echem/impedance.py/exampleData.csv").front());
}

// impedance.py's getting-started fit: same circuit, same start, one local fit.
void fit_from_guess(benchmark::State& state) {
  const auto s = example();
  const eis::Circuit c("R0-p(R1,C1)-p(R2-Wo1,C2)");
  eis::FitOptions o;
  o.initial = {.01, .01, 100, .01, .05, 100, 1};
  o.starts = 1;
  double chi = 0;
  int iterations = 0;
  for (auto _ : state) {
    const auto r = eis::fit_circuit(c, s, o);
    chi = r.sum_squares_ohm2;
    iterations = r.iterations;
  }
  state.counters["ssr_ohm2"] = chi;
  state.counters["iterations"] = iterations;
}
BENCHMARK(fit_from_guess)->Unit(benchmark::kMillisecond);

// No guess: automatic start plus 23 perturbed starts.
void fit_auto_24_starts(benchmark::State& state) {
  const auto s = example();
  const eis::Circuit c("R0-p(R1,C1)-p(R2-Wo1,C2)");
  double chi = 0;
  for (auto _ : state) chi = eis::fit_circuit(c, s).sum_squares_ohm2;
  state.counters["ssr_ohm2"] = chi;
}
BENCHMARK(fit_auto_24_starts)->Unit(benchmark::kMillisecond);

void lin_kk_circuit3(benchmark::State& state) {
  const auto s = eis::read_impedance(std::filesystem::path(CASTOR_DATA_DIR) / "echem/impedance.py/Circuit3_EIS_1.z").front();
  eis::LinKKOptions o;
  o.mu_cutoff = 0.69;
  for (auto _ : state) benchmark::DoNotOptimize(eis::lin_kk(s, o));
}
BENCHMARK(lin_kk_circuit3)->Unit(benchmark::kMillisecond);
}  // namespace
