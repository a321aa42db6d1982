#include "castor/cycling/plateau.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/capacity.h"

namespace castor::cycling {
namespace {
std::vector<double> step_values(const Table& t, std::string_view name, const Step& s) {
  const auto& v = t.values(name);
  return {v.begin() + static_cast<std::ptrdiff_t>(s.begin), v.begin() + static_cast<std::ptrdiff_t>(s.end)};
}
}  // namespace

Hysteresis hysteresis(const Table& t, const Step& charge, const Step& discharge, const DqdvOptions& o, bool force_soc50,
                      std::string_view voltage_column) {
  Hysteresis h;
  if (!force_soc50) {
    try {
      const auto c = dqdv_of_step(t, charge, o, std::nullopt, voltage_column);
      const auto d = dqdv_of_step(t, discharge, o, std::nullopt, voltage_column);
      if (!c.peaks.empty() && !d.peaks.empty()) {
        // The charge and discharge peaks of one redox couple. The tallest peak of each curve
        // is not enough: a material with several couples of similar height (NaCoO2's
        // staircase) would pair one couple's charge peak with another's discharge peak (0.7 V
        // instead of 20 mV). The couple is anchored at the charge's tallest peak; its partner
        // is the discharge peak nearest in potential among those at least half as tall as
        // the discharge's tallest and not above the charge peak (a couple is oxidised at a
        // higher potential than it is reduced; 5 mV of tolerance).
        const auto& anchor = c.peaks.front();
        const DqdvPeak* partner = &d.peaks.front();
        double best = INFINITY;
        for (const auto& p : d.peaks) {
          const double gap = anchor.voltage_V - p.voltage_V;
          if (p.height >= 0.5 * d.peaks.front().height && gap > -0.005 && std::fabs(gap) < best) best = std::fabs(gap), partner = &p;
        }
        h.charge_V = anchor.voltage_V;
        h.discharge_V = partner->voltage_V;
        h.value_V = h.charge_V - h.discharge_V;
        h.method = HysteresisMethod::dqdv_peaks;
        if (partner != &d.peaks.front())
          h.note = fmt::format(
              "the tallest dQ/dV peaks of the charge ({:.4f} V) and the discharge ({:.4f} V) belong to different couples: "
              "hysteresis of the couple at {:.4f} / {:.4f} V",
              anchor.voltage_V, d.peaks.front().voltage_V, h.charge_V, h.discharge_V);
        else if (c.peaks.size() > 1 && c.peaks[1].height >= 0.8 * anchor.height)
          h.note =
              fmt::format("several couples of similar height: hysteresis of the couple at {:.4f} / {:.4f} V", h.charge_V, h.discharge_V);
        return h;
      }
      h.note = c.peaks.empty() ? "no dQ/dV peak in the charge" : "no dQ/dV peak in the discharge";
    } catch (const Error& e) {
      h.note = e.what();
    }
  } else {
    h.note = "SOC-50 % method requested";
  }
  const auto qc = running_capacity_mAh(t, charge), qd = running_capacity_mAh(t, discharge);
  h.charge_V = voltage_at_soc(qc, step_values(t, voltage_column, charge), 0.5);
  h.discharge_V = voltage_at_soc(qd, step_values(t, voltage_column, discharge), 0.5);
  if (!std::isfinite(h.charge_V) || !std::isfinite(h.discharge_V))
    throw Error(t.meta.source_file, t.meta.format,
                fmt::format("hysteresis: steps {} and {} pass no charge ({})", charge.index, discharge.index, h.note));
  h.value_V = h.charge_V - h.discharge_V;
  h.method = HysteresisMethod::soc50;
  return h;
}

Flatness plateau_flatness(const Table& t, const Step& s, std::optional<double> mass_g, double lo, double hi,
                          std::string_view voltage_column) {
  if (!(lo >= 0 && hi <= 1 && lo < hi)) throw Error(fmt::format("flatness: SOC window {}-{} is not inside 0-1", lo, hi));
  auto q = running_capacity_mAh(t, s);
  const double scale = mass_g ? 1.0 / *mass_g : 1.0;
  for (double& x : q) x *= scale;
  const auto v = step_values(t, voltage_column, s);
  Flatness f;
  f.soc_low = lo;
  f.soc_high = hi;
  f.unit = mass_g ? "mV per mAh/g" : "mV per mAh";
  if (q.empty() || !(q.back() > 0))
    throw Error(t.meta.source_file, t.meta.format, fmt::format("flatness: step {} passes no charge", s.index));
  f.voltage_low_soc_V = voltage_at_soc(q, v, lo);
  f.voltage_high_soc_V = voltage_at_soc(q, v, hi);
  f.capacity_window = (hi - lo) * q.back();
  f.endpoint_mV_per = std::fabs(f.voltage_high_soc_V - f.voltage_low_soc_V) * 1e3 / f.capacity_window;
  // Least squares V = a + b Q over the rows inside the window.
  double n = 0, sq = 0, sv = 0, sqq = 0, sqv = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] < lo * q.back() || q[i] > hi * q.back() || !std::isfinite(v[i])) continue;
    n += 1, sq += q[i], sv += v[i], sqq += q[i] * q[i], sqv += q[i] * v[i];
  }
  const double den = n * sqq - sq * sq;
  if (n < 3 || !(den > 0))
    throw Error(t.meta.source_file, t.meta.format,
                fmt::format("flatness: step {} has {} points in SOC {:.0f}-{:.0f} %, too few for a slope", s.index, n, lo * 100, hi * 100));
  f.least_squares_mV_per = std::fabs((n * sqv - sq * sv) / den) * 1e3;
  return f;
}

Table with_cell_voltage(const Table& t) {
  const Column* ce = t.find(col::counter_voltage_V);
  if (!ce)
    throw Error(t.meta.source_file, t.meta.format, "no counter-electrode potential (counter_voltage_V, e.g. BioLogic Ece) in the file");
  Table out = t;
  const auto& we = t.values(col::voltage_V);
  std::vector<double> cell(we.size());
  for (std::size_t i = 0; i < we.size(); ++i) cell[i] = we[i] - ce->values[i];
  out.add("cell_voltage_V", "V", "voltage_V - counter_voltage_V", ColumnRole::Common, std::move(cell));
  return out;
}

}  // namespace castor::cycling
