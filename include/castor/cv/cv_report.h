// Cyclic voltammetry results as data (report::Report) and their figure, for every writer
// and front end alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "castor/core/table.h"
#include "castor/cv/cv.h"
#include "castor/report/gnuplot.h"
#include "castor/report/report.h"

namespace castor::cv {

// One voltammogram: the file it came from, its table and its analysis.
struct CvRun {
  std::string source;
  Table table;
  CvResult result;
};

// What one voltammogram contributes to the scan-rate analysis: the peak heights of cycle
// `cycle` (default the first: the cycles of a stability scan drift, so every scan rate is
// compared in the same state). Throws castor::Error naming the source when the run has no
// such cycle.
ScanRatePoint scan_rate_point(const CvRun& run, int cycle = 1);

struct ScanRateInputs {  // what Randles-Sevcik needs besides the peaks (0: not given)
  int electrons = 1;
  double area_cm2 = 0, concentration_mM = 0, temperature_K = 298.15;
  bool insertion_electrode = false;
};

// Per run a table of its cycles (Epa, ipa, Epc, ipc, E1/2, dEp), a long table "peaks" of
// all runs (the CSV), and with several runs the scan-rate analysis: b per side, Dunn's
// split, Randles-Sevcik D where n, A and C are given; its warnings.
report::Report to_report(const std::vector<CvRun>& runs, const std::optional<ScanRateResult>& scan_rates, const ScanRateInputs& inputs);

// Current against potential of every run, its sweeps' peaks marked, with the tables' and
// the scan-rate analysis' warnings.
report::Figure figure(const std::vector<CvRun>& runs, const std::optional<ScanRateResult>& scan_rates);

}  // namespace castor::cv
