#include "castor/io/join.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> start_seconds(const Table& t) {
  if (t.meta.start_time.empty()) return std::nullopt;
  return parse_datetime_s(t.meta.start_time);
}

std::pair<double, double> finite_min_max(const std::vector<double>& v) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : v)
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  return {lo, hi};
}

double last_finite(const std::vector<double>& v) {
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    if (std::isfinite(*it)) return *it;
  return kNaN;
}

double first_finite(const std::vector<double>& v) {
  for (double x : v)
    if (std::isfinite(x)) return x;
  return kNaN;
}

std::string extra_or(const Table& t, const std::string& key) {
  const auto it = t.meta.extra.find(key);
  return it == t.meta.extra.end() ? std::string() : it->second;
}

// A counter column (step, cycle) that restarts in a later part continues after the
// previous part's largest value; one that already continues is kept.
void continue_counter(Table& part, std::string_view name, const Table& joined, std::vector<std::string>& how, const std::string& file) {
  Column* c = part.find(name);
  const Column* prev = joined.find(name);
  if (!c || !prev) return;
  const auto [lo, hi] = finite_min_max(c->values);
  const double prev_max = finite_min_max(prev->values).second;
  if (!std::isfinite(lo) || !std::isfinite(prev_max) || lo > prev_max) return;
  const double offset = prev_max - lo + 1;
  for (double& v : c->values)
    if (std::isfinite(v)) v += offset;
  how.push_back(fmt::format("{}: {} numbers restart at {:g}, continued from {:g}", file, name, lo, prev_max + 1));
}

}  // namespace

Table join_tables(std::vector<Table> parts) {
  if (parts.size() < 2) throw Error("join: one experiment needs two or more files to join");
  for (const auto& p : parts) {
    if (p.meta.layout != TableLayout::time_series)
      throw Error(p.meta.source_file, p.meta.format, "join: only time series can be joined (this file holds per-half-cycle totals)");
    if (!p.has(col::time_s)) throw Error(p.meta.source_file, p.meta.format, "join: the file has no time column");
  }
  // Do they belong together?
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const auto& a = parts[0].meta;
    const auto& b = parts[k].meta;
    if (!a.instrument.empty() && !b.instrument.empty() && a.instrument != b.instrument)
      throw Error(
          b.source_file, b.format,
          fmt::format("join: instrument '{}' differs from '{}' in {}: not one experiment", b.instrument, a.instrument, a.source_file));
    const std::string ca = extra_or(parts[0], "channel"), cb = extra_or(parts[k], "channel");
    if (!ca.empty() && !cb.empty() && ca != cb)
      throw Error(b.source_file, b.format,
                  fmt::format("join: channel {} differs from channel {} in {}: not one experiment", cb, ca, a.source_file));
  }
  std::vector<std::string> how;
  // Order and clock.
  bool dated = true;
  for (const auto& p : parts) dated = dated && start_seconds(p).has_value();
  if (dated)
    std::stable_sort(parts.begin(), parts.end(), [](const Table& x, const Table& y) { return *start_seconds(x) < *start_seconds(y); });
  else
    how.push_back(
        "not every file states its start date: joined in the order given, each part's time continued "
        "from the previous part's end");

  Table joined;
  joined.meta = parts[0].meta;
  joined.meta.warnings.clear();
  joined.meta.not_read.clear();
  std::string list;
  double t0_abs = dated ? *start_seconds(parts[0]) : 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    Table& p = parts[k];
    const std::string& file = p.meta.source_file;
    for (const auto& w : p.meta.warnings) joined.meta.warnings.push_back(fmt::format("{}: {}", file, w));
    for (const auto& n : p.meta.not_read) joined.meta.not_read.push_back(fmt::format("{}: {}", file, n));
    auto& time = p.find(col::time_s)->values;
    const double first_t = first_finite(time);
    if (k > 0) {
      const double prev_end = last_finite(joined.values(col::time_s));
      double offset = 0;
      if (dated) {
        // The part's own clock starts at its start date (its first time may be > 0).
        offset = *start_seconds(p) - t0_abs;
        if (first_t + offset < prev_end - 1e-6)
          throw Error(file, p.meta.format,
                      fmt::format("join: starts {:.6g} s before the previous file ({}) ends: the files overlap in time",
                                  prev_end - (first_t + offset), parts[k - 1].meta.source_file));
        how.push_back(fmt::format("{}: starts {:.6g} s after the previous file ends", file, first_t + offset - prev_end));
      } else {
        // One sampling step after the previous end.
        const auto& prev = joined.values(col::time_s);
        double dt = 0;
        if (prev.size() >= 2) dt = prev[prev.size() - 1] - prev[prev.size() - 2];
        if (!(dt > 0)) dt = 1;
        offset = prev_end + dt - first_t;
      }
      for (double& v : time) v += offset;
      continue_counter(p, col::step, joined, how, file);
      continue_counter(p, col::cycle, joined, how, file);
      if (Column* q = p.find(col::charge_passed_mAh); q && joined.has(col::charge_passed_mAh)) {
        const double prev_q = last_finite(joined.values(col::charge_passed_mAh));
        const double first_q = first_finite(q->values);
        if (std::isfinite(prev_q) && std::isfinite(first_q) && std::fabs(first_q) < std::fabs(prev_q) * 1e-3 + 1e-9) {
          for (double& v : q->values) v += prev_q;
          how.push_back(fmt::format("{}: running charge restarts at {:.4g} mAh, continued from {:.6g} mAh", file, first_q, prev_q));
        }
      }
      if (p.meta.active_mass_g && joined.meta.active_mass_g && *p.meta.active_mass_g != *joined.meta.active_mass_g)
        joined.meta.warnings.push_back(
            fmt::format("{}: active mass {:g} mg differs from {:g} mg in the first file; the first "
                        "is used",
                        file, *p.meta.active_mass_g * 1e3, *joined.meta.active_mass_g * 1e3));
      // Columns only this part has join with NaN (or "") before it.
      for (const auto& c : p.columns())
        if (!joined.has(c.name)) joined.add(Column{c.name, c.unit, c.source_name, c.role, std::vector<double>(joined.rows(), kNaN)});
      for (const auto& c : p.text_columns())
        if (!joined.find_text(c.name)) joined.add_text(TextColumn{c.name, c.source_name, std::vector<std::string>(joined.rows())});
      const auto meta = joined.meta;
      joined.append_rows(p);
      joined.meta = meta;
    } else {
      const auto meta = joined.meta;
      joined.append_rows(p);
      joined.meta = meta;
    }
    list +=
        fmt::format("{}{} ({} rows{})", k ? "; " : "", file, p.rows(), p.meta.start_time.empty() ? "" : ", started " + p.meta.start_time);
  }
  joined.meta.source_file.clear();
  for (std::size_t k = 0; k < parts.size(); ++k) joined.meta.source_file += (k ? " + " : "") + parts[k].meta.source_file;
  joined.meta.extra["joined"] = fmt::format("{} files in time order: {}", parts.size(), list);
  for (std::size_t k = 0; k < how.size(); ++k) joined.meta.extra[fmt::format("joined.{}", k + 1)] = how[k];
  return joined;
}

Table read_tables_joined(const std::vector<std::filesystem::path>& paths, const ReadOptions& options) {
  if (paths.empty()) throw Error("no input file");
  if (paths.size() == 1) return read_table(paths[0], options);
  std::vector<Table> parts;
  for (const auto& p : paths) parts.push_back(read_table(p, options));
  return join_tables(std::move(parts));
}

}  // namespace castor::io
