#include "castor/cycling/steps.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cycling {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }
}  // namespace

double auto_rest_threshold(const std::vector<double>& current) {
  std::vector<double> a;
  a.reserve(current.size());
  for (double i : current)
    if (std::isfinite(i)) a.push_back(std::fabs(i));
  if (a.empty()) return 1e-12;
  const std::size_t k = std::min(a.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(a.size())));
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
  return std::max(1e-3 * a[k], 1e-12);
}

Direction direction(StepKind kind) {
  if (is_charge(kind)) return Direction::charge;
  if (is_discharge(kind)) return Direction::discharge;
  return Direction::none;
}

std::vector<Step> find_steps(const Table& t, const SegmentOptions& options) {
  const std::size_t n = t.rows();
  std::vector<Step> steps;
  if (n == 0) return steps;
  const auto& time = t.values(col::time_s);
  const auto& current = t.values(col::current_A);
  const double threshold = options.rest_current_A ? *options.rest_current_A : auto_rest_threshold(current);
  const Column* file_step = options.use_file_columns ? t.find(col::step) : nullptr;
  const Column* file_cycle = options.use_file_columns ? t.find(col::cycle) : nullptr;
  const Column* kind_col = t.find(col::step_kind);
  const Column* freq = t.find(col::freq_Hz);

  auto row_class = [&](std::size_t i) {
    const double I = current[i];
    if (!std::isfinite(I) || std::fabs(I) < threshold) return 0;
    return I > 0 ? 1 : -1;
  };

  // 1. Boundaries.
  std::vector<std::size_t> starts{0};
  if (file_step || file_cycle) {
    for (std::size_t i = 1; i < n; ++i) {
      const bool changed = (file_step && !same(file_step->values[i], file_step->values[i - 1])) ||
                           (file_cycle && !same(file_cycle->values[i], file_cycle->values[i - 1]));
      if (changed) starts.push_back(i);
    }
  } else {
    int prev = row_class(0);
    for (std::size_t i = 1; i < n; ++i) {
      const int c = row_class(i);
      if (c == prev) continue;
      // A single row of another class between two of the same is noise, not a step.
      if (i + 1 < n && row_class(i + 1) == prev) continue;
      starts.push_back(i);
      prev = c;
    }
  }
  starts.push_back(n);

  // 2. Each step: charge passed, kind.
  for (std::size_t s = 0; s + 1 < starts.size(); ++s) {
    Step st;
    st.begin = starts[s];
    st.end = starts[s + 1];
    st.index = static_cast<int>(steps.size());
    st.file_step = file_step ? file_step->values[st.begin] : kNaN;
    st.file_cycle = file_cycle ? file_cycle->values[st.begin] : kNaN;
    double charge_As = 0;
    for (std::size_t i = st.begin + 1; i < st.end; ++i) {
      const double dt = time[i] - time[i - 1];
      if (std::isfinite(dt) && std::isfinite(current[i]) && std::isfinite(current[i - 1]))
        charge_As += 0.5 * (current[i] + current[i - 1]) * dt;
    }
    st.duration_s = time[st.end - 1] - time[st.begin];
    st.mean_current_A = st.duration_s > 0 ? charge_As / st.duration_s : (std::isfinite(current[st.begin]) ? current[st.begin] : 0.0);

    // The file's step kinds, by majority (unknown and other do not vote).
    std::map<StepKind, std::size_t> votes;
    if (kind_col)
      for (std::size_t i = st.begin; i < st.end; ++i) {
        const auto k = step_kind_from_number(kind_col->values[i]);
        if (k != StepKind::unknown && k != StepKind::other) ++votes[k];
      }
    bool has_freq = false;
    if (freq)
      for (std::size_t i = st.begin; i < st.end && !has_freq; ++i) has_freq = freq->values[i] > 0;
    if (has_freq) {
      st.kind = StepKind::impedance;
    } else if (!votes.empty()) {
      st.kind = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.second < b.second; })->first;
      // A step the file calls rest but that passes current in one direction is not rest
      // (EC-Lab marks the I = 0 first point of a galvanostatic step as rest).
    } else if (std::fabs(st.mean_current_A) < threshold) {
      st.kind = StepKind::rest;
    } else {
      // Constant current or constant voltage: a CC step keeps its current within a few %.
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (std::size_t i = st.begin; i < st.end; ++i)
        if (std::isfinite(current[i])) lo = std::min(lo, current[i]), hi = std::max(hi, current[i]);
      const bool constant = (hi - lo) <= 0.05 * std::fabs(st.mean_current_A) + threshold;
      if (st.mean_current_A > 0)
        st.kind = constant ? StepKind::cc_charge : StepKind::cv_charge;
      else
        st.kind = constant ? StepKind::cc_discharge : StepKind::cv_discharge;
    }
    steps.push_back(st);
  }
  return steps;
}

HalfCycles find_half_cycles(const std::vector<Step>& steps, const HalfCycleOptions& o) {
  HalfCycles r;
  auto& out = r.half_cycles;
  auto is_short = [&](const Step& st) { return st.rows() < o.min_rows && !(st.duration_s >= o.min_duration_s); };
  double last_cycle = kNaN;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Direction d = direction(steps[s].kind);
    if (d == Direction::none) continue;
    const bool new_cycle = o.split_at_file_cycle && !out.empty() && !same(steps[s].file_cycle, last_cycle);
    if ((out.empty() || new_cycle || out.back().direction != d) && is_short(steps[s])) {
      // A short step against the current direction starts a half-cycle only if the next
      // real active step (in the same file cycle) goes its way; otherwise it is a blip.
      Direction next = Direction::none;
      for (std::size_t k = s + 1; k < steps.size(); ++k) {
        if (o.split_at_file_cycle && !same(steps[k].file_cycle, steps[s].file_cycle)) break;
        const Direction dk = direction(steps[k].kind);
        if (dk != Direction::none && !is_short(steps[k])) {
          next = dk;
          break;
        }
      }
      if (next != d) {
        r.merged_steps.push_back(s);
        continue;
      }
    }
    if (out.empty() || out.back().direction != d || new_cycle) out.push_back(HalfCycle{{}, d});
    out.back().steps.push_back(s);
    last_cycle = steps[s].file_cycle;
  }
  return r;
}

}  // namespace castor::cycling
