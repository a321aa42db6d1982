// A GITT result as data (report::Report: values with units, the pulse table, warnings) and
// its figures, for every writer and front end alike.
#pragma once

#include <string>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/table.h"
#include "castor/gitt/gitt.h"
#include "castor/report/gnuplot.h"
#include "castor/report/report.h"

namespace castor::gitt {

// An SOC window of one direction over which D is averaged.
struct SocWindow {
  Direction direction = Direction::discharge;
  double soc_low = 0, soc_high = 1;
};
// "discharge:0.2-0.6" or "charge:0.2-0.8" (SOC as fractions); throws castor::Error (usage)
// naming the text and what is wrong.
SocWindow parse_soc_window(const std::string& text);
// The windows castor averages D over unless told otherwise: discharge 0.2-0.6, charge 0.2-0.8.
std::vector<SocWindow> default_soc_windows();

// Summary (with the geometry and slope form of `options`), the table "pulses" (every
// field of GittPulse in SI-derived units: A, s, V, cm2/s), one value per window that holds
// pulses (mean D in cm2/s, geometric mean in the note) and the result's warnings.
report::Report to_report(const GittResult& result, const GittOptions& options, const std::string& source,
                         const std::vector<SocWindow>& windows = default_soc_windows());

// Voltage against time and, where pulses gave a D, D against SOC (valid filled, flagged
// open); each figure carries the table's and the result's warnings.
std::vector<report::Figure> figures(const Table& table, const GittResult& result, const std::string& title);

}  // namespace castor::gitt
