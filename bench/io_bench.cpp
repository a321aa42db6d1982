// Parse speed of the readers on the largest real files (shared/data/cycler).
// Run: build/bench/castor_bench  (results recorded in docs/performance.md)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "castor/io/read.h"

namespace {
void read_file(benchmark::State& state, const std::string& relative) {
  const auto path = std::filesystem::path(CASTOR_DATA_DIR) / relative;
  std::size_t rows = 0;
  for (auto _ : state) {
    auto t = castor::io::read_table(path);
    rows = t.rows();
    benchmark::DoNotOptimize(t);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(std::filesystem::file_size(path)));
}
}  // namespace

BENCHMARK_CAPTURE(read_file, biologic_mpr_NaCoO2_46102_rows, "cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, biologic_mpr_cellpy_23561_rows, "cycler/cellpy/biol.mpr")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, biologic_mpt_gcpl211_2767_rows, "cycler/yadg/gcpl.issue_211.mpt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, neware_ndax_test2_108563_rows, "cycler/NewareNDA/test_2.ndax")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, neware_nda_v130_6670_rows, "cycler/NewareNDA/TestFile.nda")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, arbin_res_10261_rows, "cycler/cellpy/20160805_test001_45_cc_01.res")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, maccor_txt_11669_rows, "cycler/beep/xTESLADIAG_000019_CH70.070")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, neware_csv_btsda_9065_rows, "cycler/cellpy/neware_uio.csv")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, biologic_csv_beep_9999_rows, "cycler/beep/test_loopsnewoutput_MB_CE1_short10k.csv")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_file, generic_csv_landt_25162_rows, "cycler/battery-data-format/SINTEF__LiGrR2032__2024-04-30__25degC__Landt.csv")
    ->Unit(benchmark::kMillisecond);
