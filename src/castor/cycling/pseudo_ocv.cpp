#include "castor/cycling/pseudo_ocv.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cycling {

namespace {
// Voltage against the charge passed since the half-cycle began (mAh, increasing).
struct Curve {
  std::vector<double> q, v;
};

Curve curve(const Table& t, const CyclingResult& r, const HalfCycleRow& h) {
  const auto& T = t.values(col::time_s);
  const auto& V = t.values(col::voltage_V);
  const auto& I = t.values(col::current_A);
  Curve c;
  double q = 0;
  for (std::size_t s : h.steps) {
    const auto& st = r.steps.at(s).step;
    for (std::size_t k = st.begin; k < st.end; ++k) {
      if (!c.q.empty() && k > st.begin) q += std::fabs(0.5 * (I[k] + I[k - 1]) * (T[k] - T[k - 1])) / 3.6;
      if (!std::isfinite(V[k]) || !std::isfinite(q)) continue;
      if (!c.q.empty() && q <= c.q.back()) continue;  // keep Q strictly increasing
      c.q.push_back(q);
      c.v.push_back(V[k]);
    }
    if (c.q.empty() && st.end > st.begin) c.q.push_back(0), c.v.push_back(V[st.begin]);
  }
  return c;
}

double at(const Curve& c, double q) {
  if (q <= c.q.front()) return c.v.front();
  if (q >= c.q.back()) return c.v.back();
  const auto it = std::upper_bound(c.q.begin(), c.q.end(), q);
  const std::size_t k = static_cast<std::size_t>(it - c.q.begin());
  return c.v[k - 1] + (c.v[k] - c.v[k - 1]) * (q - c.q[k - 1]) / (c.q[k] - c.q[k - 1]);
}
}  // namespace

PseudoOcv pseudo_ocv(const Table& table, const CyclingResult& r, int cycle, int points) {
  const CycleRow* row = nullptr;
  for (const auto& c : r.cycles)
    if (c.cycle == cycle) row = &c;
  const std::string src = table.meta.source_file;
  if (!row) throw Error(src, table.meta.format, fmt::format("no cycle {} (castor cycling lists the cycles)", cycle));
  const HalfCycleRow *ch = nullptr, *dis = nullptr;
  for (auto h : row->halves) {
    const auto& x = r.half_cycles.at(h);
    if (x.direction == Direction::charge && !ch) ch = &x;
    if (x.direction == Direction::discharge && !dis) dis = &x;
  }
  if (!ch || !dis) throw Error(src, table.meta.format, fmt::format("cycle {} lacks a charge or a discharge", cycle));
  if (points < 3 || points > 10000) throw Error(fmt::format("pseudo OCV: {} points (3 to 10000)", points));
  const Curve c = curve(table, r, *ch), d = curve(table, r, *dis);
  if (c.q.size() < 5 || d.q.size() < 5) throw Error(src, table.meta.format, fmt::format("cycle {}: too few rows for a curve", cycle));
  PseudoOcv o;
  o.cycle = cycle;
  o.charge_mAh = c.q.back(), o.discharge_mAh = d.q.back();
  o.capacity_mAh = std::min(o.charge_mAh, o.discharge_mAh);
  if (std::fabs(o.charge_mAh - o.discharge_mAh) > 0.02 * o.capacity_mAh)
    o.notes.push_back(
        fmt::format("charge {:.5g} and discharge {:.5g} mAh differ by more than 2 %: the filling runs over the smaller, "
                    "and the ends of the larger are left out",
                    o.charge_mAh, o.discharge_mAh));
  // Filling y: 0 charged, 1 discharged. On discharge y = Q/Qref from its start; on charge
  // y = 1 - Q/Qref from its start.
  for (int k = 0; k < points; ++k) {
    const double y = static_cast<double>(k) / (points - 1);
    const double vd = at(d, y * o.capacity_mAh), vc = at(c, (1 - y) * o.capacity_mAh);
    o.filling.push_back(y);
    o.ocv_V.push_back(0.5 * (vd + vc));
    o.half_gap_V.push_back(0.5 * (vc - vd));
  }
  // The simulator needs a curve that falls with filling; flat or rising stretches (noise on
  // a plateau) are made monotone by the running minimum, and said.
  int fixed = 0;
  for (std::size_t k = 1; k < o.ocv_V.size(); ++k)
    if (!(o.ocv_V[k] < o.ocv_V[k - 1])) o.ocv_V[k] = o.ocv_V[k - 1] - 1e-6, ++fixed;
  if (fixed) o.notes.push_back(fmt::format("{} points did not fall with filling; each set 1 uV below the one before", fixed));
  return o;
}

}  // namespace castor::cycling
