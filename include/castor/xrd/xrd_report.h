// X-ray diffraction from requests to results as data: the radiation castor uses (and where
// it came from), the peak search with its Scherrer sizes and what it drops, refinements,
// phase scores, reflections and indexing, each with to_report() and its figure.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "castor/report/gnuplot.h"
#include "castor/report/report.h"
#include "castor/xrd/crystal.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/phases.h"
#include "castor/xrd/profile.h"
#include "castor/xrd/refine.h"

namespace castor::xrd {

// The radiation: `wavelengths` (Ka1 [Ka2 [Ka2/Ka1]], angstrom) when given, else the
// pattern's own (xrdml), else Cu Ka1 alone (no pattern: reflections, indexing) or Cu
// Ka1/Ka2 with ratio 0.5 (a pattern that states none, said in radiation_source). Throws
// castor::Error (usage) for a non-positive wavelength or ratio.
Instrument instrument_for(const Pattern* pattern, const std::vector<double>& wavelengths, double monochromator_deg = 0);
// "Ka1 1.540593 A, Ka2 1.544427 A, Ka2/Ka1 ratio 0.5 (from the file)".
std::string radiation_text(const Instrument& instrument);

// "h,k,l" (one reciprocal axis, not 0,0,0) and "h,k,l,2theta"; throw castor::Error (usage)
// naming `what` and the text.
std::array<int, 3> parse_hkl(const std::string& text, const std::string& what);
IndexedPeak parse_indexed_peak(const std::string& text, const std::string& what);

// Peaks found, refined and kept: fits that are no peak the data show are dropped and
// listed; each kept peak's Scherrer size (K 0.9, nm; NaN when the width is not above the
// instrument's), flagged beyond 200 nm.
struct PeakSearch {
  Pattern pattern;  // cropped, with the radiation used
  Instrument instrument;
  double instrument_fwhm_deg = 0;
  std::vector<PeakFit> peaks;   // by position
  std::vector<double> size_nm;  // per peak
  std::vector<std::string> warnings;
};
PeakSearch search_peaks(Pattern pattern, const Instrument& instrument, double min_prominence_sigma, std::size_t max_peaks,
                        double instrument_fwhm_deg);
report::Report to_report(const PeakSearch& search);
report::Figure figure(const PeakSearch& search, const std::string& title);

// Rp, Rwp, Rexp, GoF, every refined parameter with its esd, each phase's cell (and sites
// and weight fraction for Rietveld), the radiation and the warnings.
report::Report to_report(const RefineResult& result, const std::string& source, const std::string& phases, bool le_bail);
// Observed, calculated, background, difference and reflection ticks.
report::Figure refinement_figure(const RefineResult& result, const std::string& title);

report::Report to_report(const std::vector<PhaseScore>& scores, const std::string& source, double tolerance_deg);
// The pattern with a row of ticks (lines above 2 %) per candidate, in score order.
report::Figure phases_figure(const Pattern& pattern, const std::vector<PhaseScore>& scores, const std::vector<Crystal>& candidates,
                             const std::string& title);

// Reflections of a structure at one wavelength: hkl, multiplicity, d, 2-theta, |F|, I rel.
report::Report reflections_report(const Crystal& crystal, double wavelength_Ang, double two_theta_min_deg, double two_theta_max_deg,
                                  double monochromator_deg = 0);
report::Figure sticks_figure(const Crystal& crystal, double wavelength_Ang, double two_theta_min_deg, double two_theta_max_deg,
                             double monochromator_deg = 0);

// A pattern with rows of tick marks under it (fitted peaks, phases' lines).
report::Figure pattern_figure(const Pattern& pattern, const std::string& title,
                              const std::vector<std::pair<std::string, std::vector<double>>>& tick_rows,
                              const std::vector<std::string>& warnings = {});

}  // namespace castor::xrd
