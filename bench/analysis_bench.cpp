// Speed of the analyses on real files (docs/performance.md).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "castor/cv/cv.h"
#include "castor/cycling/cycling.h"
#include "castor/io/read.h"
#include "castor/xps/read_xps.h"
#include "castor/xrd/refine.h"
#include "castor/xps/xps.h"

namespace {
std::filesystem::path data(const char* rel) { return std::filesystem::path(CASTOR_DATA_DIR) / rel; }

// Steps, half-cycles, 54 cycles with dQ/dV hysteresis and flatness, rate table: NewareNDA
// test_2.ndax, 108,563 rows.
void cycling_test2_108563_rows(benchmark::State& state) {
  const auto t = castor::io::read_table(data("cycler/NewareNDA/test_2.ndax"));
  for (auto _ : state) benchmark::DoNotOptimize(castor::cycling::analyse_cycling(t));
}
BENCHMARK(cycling_test2_108563_rows)->Unit(benchmark::kMillisecond);

// One dQ/dV curve (Savitzky-Golay, 1 mV grid) of the NaCoO2 file's second charge.
void dqdv_nacoo2_one_step(benchmark::State& state) {
  const auto t = castor::io::read_table(data("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"));
  const auto r = castor::cycling::analyse_cycling(t);
  const auto& step = r.steps[r.half_cycles[3].main_step].step;
  for (auto _ : state) benchmark::DoNotOptimize(castor::cycling::dqdv_of_step(t, step));
}
BENCHMARK(dqdv_nacoo2_one_step)->Unit(benchmark::kMillisecond);

// Sweeps and peaks of the 22-sweep CV (yadg cv.issue_217).
void cv_22_sweeps(benchmark::State& state) {
  const auto t = castor::io::read_table(data("cycler/yadg/cv.issue_217.mpr"));
  for (auto _ : state) benchmark::DoNotOptimize(castor::cv::analyse_cv(t));
}
BENCHMARK(cv_22_sweeps)->Unit(benchmark::kMillisecond);

// Ti 2p of La-doped SrTiO3: Shirley background and two doublets.
void xps_ti2p_two_doublets(benchmark::State& state) {
  std::ifstream in(data("materials/KherveFitting/LaSrTiO3.json"));
  const auto j = nlohmann::json::parse(in);
  castor::xps::Region r;
  r.be_eV = j["Core levels"]["Ti2p"]["B.E."].get<std::vector<double>>();
  r.counts = j["Core levels"]["Ti2p"]["Raw Data"].get<std::vector<double>>();
  for (auto _ : state) {
    const auto bg = castor::xps::shirley_background(r);
    std::vector<castor::xps::Component> c(2);
    c[0].position_eV = 458.5, c[1].position_eV = 456.5, c[0].area = 1e4, c[1].area = 1e3;
    for (auto& x : c) x.doublet_splitting_eV = 5.7, x.doublet_area_ratio = 0.5, x.doublet_fwhm_factor = 1.4, x.width_group = "Ti";
    benchmark::DoNotOptimize(castor::xps::fit_region(r, c, bg));
  }
}
BENCHMARK(xps_ti2p_two_doublets)->Unit(benchmark::kMillisecond);

// Fe 2p of FeO (984 points): CasaXPS's three-parameter Tougaard background, then the same
// fit with Voigt doublet-free components.
void xps_fe2p_tougaard(benchmark::State& state) {
  const auto blocks = castor::xps::read_xps(data("materials/pynxtools-xps/FeO_analyzed.vms"));
  const auto r = castor::xps::crop(blocks.at(0).region, 699.85, 749.09);
  for (auto _ : state) benchmark::DoNotOptimize(castor::xps::tougaard_background(r, castor::xps::Tougaard{0, 551, 436, 3, 3}));
}
BENCHMARK(xps_fe2p_tougaard)->Unit(benchmark::kMillisecond);

void xps_fe2p_voigt_fit(benchmark::State& state) {
  const auto blocks = castor::xps::read_xps(data("materials/pynxtools-xps/FeO_analyzed.vms"));
  const auto r = castor::xps::crop(blocks.at(0).region, 699.85, 749.09);
  const auto bg = castor::xps::tougaard_background(r, castor::xps::Tougaard{0, 551, 436, 3, 3});
  for (auto _ : state) {
    std::vector<castor::xps::Component> c(4);
    const double pos[] = {709, 716, 722.5, 730};
    for (std::size_t k = 0; k < 4; ++k)
      c[k].position_eV = pos[k], c[k].fwhm_eV = 3, c[k].area = 3e4, c[k].shape = {castor::xps::Shape::voigt, 30};
    benchmark::DoNotOptimize(castor::xps::fit_region(r, c, bg));
  }
}
BENCHMARK(xps_fe2p_voigt_fit)->Unit(benchmark::kMillisecond);
// XRD: all NTP reflections with structure factors to 90 deg, and the PbSO4 round-robin
// Rietveld refinement (16-110 deg, 3761 points, 235 reflections, 33 parameters).
void xrd_ntp_reflections(benchmark::State& state) {
  const auto x = castor::xrd::read_cif(data("materials/castor-generated/NTP_model_R-3c.cif"));
  for (auto _ : state) benchmark::DoNotOptimize(castor::xrd::reflections(x, 1.5406, 90));
}
BENCHMARK(xrd_ntp_reflections)->Unit(benchmark::kMillisecond);

void xrd_pbso4_rietveld(benchmark::State& state) {
  const auto p = castor::xrd::read_pattern(data("materials/GSAS-II/PBSO4.XRA"));
  const auto x = castor::xrd::read_cif(data("materials/GSAS-II/PbSO4-Wyckoff.cif"));
  castor::xrd::Instrument in;
  in.ka1_Ang = 1.5405, in.ka2_Ang = 1.5443, in.ka2_ratio = 0.5;
  castor::xrd::RefineSettings s;
  s.two_theta_min_deg = 16, s.two_theta_max_deg = 110;
  castor::xrd::RefineResult r;
  for (auto _ : state) r = castor::xrd::refine(p, x, in, castor::xrd::Caglioti::from_gsas(2, -2, 5, 0.1, 0), s);
  state.counters["iterations"] = r.iterations;
  state.counters["Rwp_percent"] = 100 * r.Rwp;
}
BENCHMARK(xrd_pbso4_rietveld)->Unit(benchmark::kMillisecond)->Iterations(1);
}  // namespace
