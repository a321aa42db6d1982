#include "castor/core/table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor {

void Table::check_length(std::size_t n, std::string_view name) {
  if (!sized_) {
    rows_ = n;
    sized_ = true;
    return;
  }
  if (n != rows_)
    throw Error(meta.source_file, meta.format, fmt::format("column '{}' has {} values, the table has {} rows", name, n, rows_));
}

Column& Table::add(Column column) {
  check_length(column.values.size(), column.name);
  if (Column* existing = find(column.name)) {
    *existing = std::move(column);
    return *existing;
  }
  columns_.push_back(std::move(column));
  return columns_.back();
}

Column& Table::add(std::string_view name, std::string_view unit, std::string_view source, ColumnRole role, ColumnValues values) {
  return add(Column{std::string(name), std::string(unit), std::string(source), role, std::move(values)});
}

TextColumn& Table::add_text(TextColumn column) {
  check_length(column.values.size(), column.name);
  for (auto& c : text_columns_)
    if (c.name == column.name) return c = std::move(column);
  text_columns_.push_back(std::move(column));
  return text_columns_.back();
}

const Column* Table::find(std::string_view name) const {
  for (const auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

Column* Table::find(std::string_view name) {
  for (auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

const TextColumn* Table::find_text(std::string_view name) const {
  for (const auto& c : text_columns_)
    if (c.name == name) return &c;
  return nullptr;
}

const std::vector<double>& Table::values(std::string_view name) const {
  if (const Column* c = find(name)) return c->values;
  throw Error(meta.source_file, meta.format, fmt::format("the table has no column '{}'", name));
}

Table Table::slice(std::size_t begin, std::size_t end) const {
  end = std::min(end, rows_);
  begin = std::min(begin, end);
  Table out;
  out.meta = meta;
  out.rows_ = end - begin;
  out.sized_ = true;
  for (const auto& c : columns_) {
    Column s{c.name, c.unit, c.source_name, c.role, {}};
    if (begin == 0 && end == c.values.size())
      s.values = c.values;  // the whole column: shared, not copied
    else
      s.values.assign(c.values.cbegin() + static_cast<std::ptrdiff_t>(begin), c.values.cbegin() + static_cast<std::ptrdiff_t>(end));
    out.columns_.push_back(std::move(s));
  }
  for (const auto& c : text_columns_) {
    TextColumn s{c.name, c.source_name, {}};
    s.values.assign(c.values.begin() + static_cast<std::ptrdiff_t>(begin), c.values.begin() + static_cast<std::ptrdiff_t>(end));
    out.text_columns_.push_back(std::move(s));
  }
  return out;
}

void Table::append_rows(const Table& other) {
  if (!sized_) {
    *this = other;
    return;
  }
  const std::size_t n = other.rows();
  for (auto& c : columns_) {
    if (const Column* o = other.find(c.name))
      c.values.insert(c.values.cend(), o->values.begin(), o->values.end());
    else
      c.values.insert(c.values.cend(), n, std::numeric_limits<double>::quiet_NaN());
  }
  for (auto& c : text_columns_) {
    if (const TextColumn* o = other.find_text(c.name))
      c.values.insert(c.values.end(), o->values.begin(), o->values.end());
    else
      c.values.insert(c.values.end(), n, std::string());
  }
  rows_ += n;
}

namespace {
std::pair<std::optional<double>, std::optional<double>> finite_range(const std::vector<double>& v) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : v)
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  if (lo > hi) return {};
  return {lo, hi};
}
}  // namespace

TableSummary summarize(const Table& t) {
  TableSummary s;
  s.rows = t.rows();
  s.columns = t.columns().size() + t.text_columns().size();
  if (const Column* c = t.find(col::time_s)) {
    auto [lo, hi] = finite_range(c->values);
    s.time_start_s = lo;
    s.time_end_s = hi;
  }
  if (const Column* c = t.find(col::voltage_V)) {
    auto [lo, hi] = finite_range(c->values);
    s.voltage_min_V = lo;
    s.voltage_max_V = hi;
  }
  if (const Column* c = t.find(col::current_A)) {
    auto [lo, hi] = finite_range(c->values);
    s.current_min_A = lo;
    s.current_max_A = hi;
  }
  if (const Column* c = t.find(col::cycle)) {
    std::set<double> distinct;
    for (double x : c->values)
      if (std::isfinite(x)) distinct.insert(x);
    s.n_cycles = distinct.size();
  }
  if (const Column* c = t.find(col::step)) {
    // A step is a run of rows with the same (cycle, step) pair: step indices repeat.
    const Column* cyc = t.find(col::cycle);
    std::size_t runs = 0;
    double prev = std::numeric_limits<double>::quiet_NaN(), prev_cycle = prev;
    for (std::size_t i = 0; i < c->values.size(); ++i) {
      const double x = c->values[i];
      const double y = cyc ? cyc->values[i] : 0.0;
      if (!(x == prev) || !(y == prev_cycle)) ++runs;
      prev = x;
      prev_cycle = y;
    }
    s.n_steps = runs;
  }
  return s;
}

}  // namespace castor
