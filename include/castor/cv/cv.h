// Cyclic voltammetry (analyses.md section 5): sweeps split by the direction of the
// potential, the main peak of each sweep (potential, current, current above a linear
// baseline taken before the peak), E1/2 and peak separation per cycle, drift across cycles,
// and the scan-rate analysis (log i_p against log v; Randles-Sevcik D).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "castor/core/table.h"

namespace castor::cv {

// The direction of a potential sweep: anodic (towards positive potential) or cathodic.
enum class SweepDirection : int { cathodic = -1, anodic = 1 };

struct CvOptions {
  double turn_hysteresis_V = 0.005;  // a reversal must exceed this to start a new sweep
  double baseline_start = 0.05;      // the baseline window slides from this fraction of the way
  double baseline_width = 0.15;      // from the sweep start to the peak; its width (fraction)
  double edge_fraction = 0.02;       // a maximum within this fraction of the sweep end is a vertex, not a peak
};

struct CvPeak {
  double potential_V = 0, current_A = 0;
  double baseline_A = 0;  // the linear baseline extrapolated to the peak potential
  double height_A = 0;    // current - baseline (signed: > 0 anodic, < 0 cathodic)
};

struct CvSweep {
  int index = 0;  // from 1
  std::size_t begin = 0, end = 0;
  SweepDirection direction = SweepDirection::anodic;
  double start_V = 0, end_V = 0, scan_rate_V_s = 0;
  // The largest oxidation (current above the baseline) and reduction (below it) peaks
  // inside the sweep; a stability scan can show oxidation on its way back, so both are
  // looked for in every sweep.
  std::optional<CvPeak> anodic, cathodic;
  std::string note;  // why a peak is missing
};

struct CvCycle {
  int cycle = 0;                           // from 1: two sweeps in run order
  std::optional<CvPeak> anodic, cathodic;  // the larger of the two sweeps' peaks
  double e_half_V = 0, separation_V = 0;   // NaN unless both peaks exist
};

struct CvResult {
  std::vector<CvSweep> sweeps;
  std::vector<CvCycle> cycles;
  double scan_rate_V_s = 0;  // median over sweeps
};

// Splits a voltammogram (the common table's time_s, voltage_V in V, current_A in A) into
// sweeps and cycles and finds each sweep's peaks above a linear baseline. Throws
// castor::Error naming the file for fewer than 10 rows or missing columns.
CvResult analyse_cv(const Table& table, const CvOptions& options = {});

struct ScanRatePoint {
  double scan_rate_V_s = 0;
  std::optional<double> anodic_height_A, cathodic_height_A;
};

struct LogLogFit {
  double slope = 0, intercept = 0, r2 = 0;
  int points = 0;
};

// Dunn's split of the peak current, i_p = k1 v + k2 v^(1/2): the surface-controlled
// (capacitive) and the diffusion-controlled part. Applied to the peak currents only (not to
// every potential), so it is a summary: the fraction at each scan rate.
struct DunnSplit {
  double k1_A_s_V = 0, k2_A_s05_V05 = 0;  // A/(V/s) and A/(V/s)^0.5
  std::vector<double> scan_rate_V_s, capacitive_fraction;
};

struct ScanRateResult {
  std::optional<LogLogFit> anodic, cathodic;  // log10 |i_p| against log10 v: the slope is b (i_p ~ v^b)
  std::optional<DunnSplit> anodic_dunn, cathodic_dunn;
  // Randles-Sevcik at temperature T: i_p = 0.4463 n F A C sqrt(n F v D / (R T)),
  // from the slope of |i_p| against sqrt(v); needs n, A, C.
  std::optional<double> anodic_D_cm2_s, cathodic_D_cm2_s;
  // What Randles-Sevcik rests on, and where the data or the electrode contradict it: b far
  // from 0.5, an insertion electrode (no dissolved species diffusing semi-infinitely).
  std::string randles_sevcik_assumptions;
  std::vector<std::string> warnings;
};

ScanRateResult scan_rate_analysis(const std::vector<ScanRatePoint>& points, int electrons = 1, double area_cm2 = 0,
                                  double concentration_mol_cm3 = 0, double temperature_K = 298.15, bool insertion_electrode = false);

}  // namespace castor::cv
