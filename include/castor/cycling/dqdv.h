// Differential capacity dQ/dV of a monotone step, and its peaks.
//
// The step's capacity Q is put on a uniform voltage grid (Q at the first time the voltage
// reaches each grid voltage, which makes noisy voltages monotone), smoothed and
// differentiated with a named method, and searched for peaks with a prominence threshold
// and sub-grid refinement (parabola through the top three points). Smoothing windows are
// given in volts, not in points, so halving the grid step smooths the same physical width
// and the peaks stay put.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/table.h"
#include "castor/cycling/steps.h"

namespace castor::cycling {

enum class Smoothing {
  none,              // finite differences of the gridded Q
  savitzky_golay,    // local polynomial (order `polyorder`) over `window_V`
  smoothing_spline,  // cubic smoothing spline, penalty set so its bandwidth is `window_V`
};
std::string_view to_string(Smoothing s);
std::optional<Smoothing> smoothing_from_string(std::string_view name);

struct DqdvOptions {
  double grid_step_V = 0.001;
  Smoothing smoothing = Smoothing::savitzky_golay;
  double window_V = 0.02;
  int polyorder = 3;
  // Peaks lower in prominence than this fraction of the largest |dQ/dV| are dropped.
  double min_prominence_fraction = 0.1;
};

struct DqdvPeak {
  double voltage_V = 0;
  double height = 0;      // |dQ/dV| at the refined peak
  double prominence = 0;  // as scipy.signal.peak_prominences defines it
};

struct DqdvCurve {
  std::vector<double> voltage_V;  // ascending
  std::vector<double> capacity;   // Q on the grid (smoothed), in capacity_unit
  std::vector<double> dqdv;       // dQ/dV, signed: negative for a discharge
  std::string capacity_unit;      // "mAh" or "mAh/g"
  std::string method;             // e.g. "savitzky-golay window 20 mV order 3, grid 1 mV"
  Direction direction = Direction::none;
  std::vector<DqdvPeak> peaks;  // by decreasing height
};

// dQ/dV of one step (a CC charge or discharge). mass_g scales Q to mAh/g when given.
// Throws castor::Error naming the reason when the step cannot give one (rest, too few
// points, voltage window narrower than the smoothing window).
DqdvCurve dqdv_of_step(const Table& table, const Step& step, const DqdvOptions& options = {}, std::optional<double> mass_g = std::nullopt,
                       std::string_view voltage_column = "voltage_V");

// dQ/dV from a voltage-capacity curve already in traversal order.
DqdvCurve dqdv_of_curve(const std::vector<double>& voltage_V, const std::vector<double>& capacity, Direction direction,
                        const DqdvOptions& options, std::string capacity_unit);

// Local maxima of y with their prominence; those below min_prominence are dropped.
// Positions are refined between grid points.
std::vector<DqdvPeak> find_peaks(const std::vector<double>& x, const std::vector<double>& y, double min_prominence);

}  // namespace castor::cycling
