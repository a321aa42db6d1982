// The paper's comparison map (Fig. 2d, analyses.md section 11): cells placed by voltage
// hysteresis (V) against plateau flatness (mean of the discharge and charge flatness over
// SOC 20-80 %, mV per mAh/g), from castor's own analyses and from literature points the
// user gives as a CSV (material, hysteresis_V, flatness_mV_per_mAh_g[, voltage_V,
// capacity_mAh_g], source).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "castor/cycling/cycling.h"
#include "castor/report/gnuplot.h"

namespace castor::cycling {

struct MapPoint {
  std::string material, source;
  double hysteresis_V = 0, flatness_mV_per_mAh_g = 0;
  double voltage_V = 0, capacity_mAh_g = 0;  // NaN when not given
  bool measured = false;                     // castor's own analysis (else a literature point)
  int cycle = 0;                             // the cycle analysed (measured points)
  std::string method;                        // "dqdv-peaks" or "soc50" (measured points)
  std::vector<std::string> notes;            // what castor cannot stand behind in this point
};

// One cell's point from its cycling evaluation: the given cycle, else the first complete
// cycle with a hysteresis and both flatness values. Throws castor::Error (naming the file)
// when there is none, or when the active mass is unknown (flatness needs mV per mAh/g).
MapPoint map_point(const CyclingResult& result, const std::string& name, std::optional<int> cycle = std::nullopt);

// Literature points from a CSV with a header naming the columns (case and spaces do not
// matter: material, hysteresis_V, flatness, voltage_V, capacity_mAh_g, source). Every row
// must have the header's field count; numbers must be finite. Errors name file and line.
std::vector<MapPoint> read_literature(const std::filesystem::path& path);

void write_map_csv(const std::vector<MapPoint>& points, std::ostream& out);
void write_map_json(const std::vector<MapPoint>& points, std::ostream& out);
std::string map_text(const std::vector<MapPoint>& points);
// Hysteresis against flatness, measured points filled, literature points open, each
// labelled with its material.
report::Figure map_figure(const std::vector<MapPoint>& points);

}  // namespace castor::cycling
