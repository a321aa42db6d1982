#include "castor/io/column_names.h"

#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string normalise_stem(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '_' || c == '-' || c == '.' || c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

enum class Kind { time, voltage, current, capacity, energy, temperature, frequency, resistance, count };

struct UnitEntry {
  std::string_view unit;
  Kind kind;
  double to_base;  // value in unit x to_base = value in base unit (s, V, A, mAh, mWh, °C, Hz, Ohm)
};

constexpr std::array kUnits = {
    UnitEntry{"s", Kind::time, 1},
    UnitEntry{"sec", Kind::time, 1},
    UnitEntry{"ms", Kind::time, 1e-3},
    UnitEntry{"min", Kind::time, 60},
    UnitEntry{"h", Kind::time, 3600},
    UnitEntry{"hr", Kind::time, 3600},
    UnitEntry{"hrs", Kind::time, 3600},
    UnitEntry{"d", Kind::time, 86400},
    UnitEntry{"V", Kind::voltage, 1},
    UnitEntry{"mV", Kind::voltage, 1e-3},
    UnitEntry{"A", Kind::current, 1},
    UnitEntry{"mA", Kind::current, 1e-3},
    UnitEntry{"uA", Kind::current, 1e-6},
    UnitEntry{"\xc2\xb5"
              "A",
              Kind::current, 1e-6},
    UnitEntry{"nA", Kind::current, 1e-9},
    UnitEntry{"Ah", Kind::capacity, 1000},
    UnitEntry{"A.h", Kind::capacity, 1000},
    UnitEntry{"mAh", Kind::capacity, 1},
    UnitEntry{"mA.h", Kind::capacity, 1},
    UnitEntry{"uAh", Kind::capacity, 1e-3},
    UnitEntry{"\xc2\xb5"
              "Ah",
              Kind::capacity, 1e-3},
    UnitEntry{"\xc2\xb5"
              "A.h",
              Kind::capacity, 1e-3},
    UnitEntry{"As", Kind::capacity, 1 / 3.6},
    UnitEntry{"C", Kind::capacity, 1 / 3.6},
    UnitEntry{"mC", Kind::capacity, 1 / 3600.0},
    UnitEntry{"Wh", Kind::energy, 1000},
    UnitEntry{"W.h", Kind::energy, 1000},
    UnitEntry{"mWh", Kind::energy, 1},
    UnitEntry{"mW.h", Kind::energy, 1},
    UnitEntry{"kWh", Kind::energy, 1e6},
    UnitEntry{"J", Kind::energy, 1 / 3.6},
    UnitEntry{"\xc2\xb0"
              "C",
              Kind::temperature, 1},
    UnitEntry{"C", Kind::temperature, 1},
    UnitEntry{"degC", Kind::temperature, 1},
    UnitEntry{"oC", Kind::temperature, 1},
    UnitEntry{"Hz", Kind::frequency, 1},
    UnitEntry{"kHz", Kind::frequency, 1e3},
    UnitEntry{"mHz", Kind::frequency, 1e-3},
    UnitEntry{"Ohm", Kind::resistance, 1},
    UnitEntry{"ohm", Kind::resistance, 1},
    UnitEntry{"\xce\xa9", Kind::resistance, 1},
    UnitEntry{"mOhm", Kind::resistance, 1e-3},
    UnitEntry{"mO", Kind::resistance, 1e-3},
    UnitEntry{"kOhm", Kind::resistance, 1e3},
    UnitEntry{"", Kind::count, 1},
    UnitEntry{"1", Kind::count, 1},
    UnitEntry{"-", Kind::count, 1},
};

std::string canonical_unit(std::string_view u) {
  std::string out;
  for (char c : trim(u))
    if (c != ' ') out.push_back(c);
  if (out ==
      "\xef\xbf\xbd"
      "C")
    out =
        "\xc2\xb0"
        "C";  // a replaced latin-1 degree sign
  if (out == "\xe2\x84\x83")
    out =
        "\xc2\xb0"
        "C";  // ℃
  return out;
}

// Units that may end a snake_case name ("test_time_s", "current_A").
constexpr std::array<std::string_view, 14> kSuffixUnits = {"s",  "h",   "min", "V",   "mV", "A",  "mA",
                                                           "Ah", "mAh", "Wh",  "mWh", "C",  "Hz", "Ohm"};

struct Rule {
  std::string_view common;
  std::string_view unit;                          // the common column's unit
  std::initializer_list<std::string_view> stems;  // in order of preference
};

const std::array<Rule, 15>& rules() {
  static const std::array<Rule, 15> r = {{
      {col::time_s, "s", {"test time", "total time", "cumulative time", "elapsed time", "testtime", "run time", "time"}},
      {col::step_time_s, "s", {"step time", "t step", "steptime", "relative time"}},
      {col::voltage_V, "V", {"voltage", "cell voltage", "potential", "ecell", "ewe", "volts", "u", "e"}},
      {col::current_A, "A", {"current", "cell current", "amps", "i"}},
      {col::cycle, "", {"cycle index", "cycle number", "cycle count", "cycle", "cyc count", "cycle id", "cyc#"}},
      {col::step, "", {"step index", "step number", "step", "line", "step id", "step count"}},  // step count: BDF's
      {col::temperature_C,
       "\xc2\xb0"
       "C",
       {"temperature", "temperature 1", "t1", "temp", "aux temperature", "temperature t1", "surface temperature", "ambient temperature"}},
      {col::charge_capacity_mAh, "mAh", {"charge capacity", "charging capacity", "chg cap", "q charge"}},
      {col::discharge_capacity_mAh, "mAh", {"discharge capacity", "discharging capacity", "dchg cap", "q discharge"}},
      {col::charge_energy_mWh, "mWh", {"charge energy", "charging energy", "chg energy", "energy charge"}},
      {col::discharge_energy_mWh, "mWh", {"discharge energy", "discharging energy", "dchg energy", "energy discharge"}},
      {col::charge_passed_mAh, "mAh", {"net capacity"}},  // BDF: charging - discharging since the test start
      {col::freq_Hz, "Hz", {"frequency", "freq"}},
      {col::z_re_ohm, "Ohm", {"re(z)", "z re", "zre", "zreal", "z'"}},
      {col::z_neg_im_ohm, "Ohm", {"-im(z)", "-z im", "-zim", "-zimag", "-z''"}},
  }};
  return r;
}

constexpr std::array<std::string_view, 8> kLabelStems = {"step type", "step name", "command", "state", "status", "step mode", "type", "md"};
constexpr std::array<std::string_view, 9> kDateStems = {"date time iso string", "date time", "datetime",   "date", "dpt time", "realtime",
                                                        "absolute time",        "timestamp", "system time"};

// Text to seconds: durations ("144:01:18", "1d 02:00:00") or calendar dates (relative to
// the first row). Returns nullopt if the column is neither.
std::optional<std::vector<double>> text_seconds(const TextColumn& c, bool& was_date, double& first_date) {
  std::size_t first = 0;
  while (first < c.values.size() && trim(c.values[first]).empty()) ++first;
  if (first == c.values.size()) return std::nullopt;
  const std::string& sample = c.values[first];
  const bool date = parse_datetime_s(sample).has_value();
  if (!date && !parse_duration_s(sample)) return std::nullopt;
  std::vector<double> v(c.values.size(), kNaN);
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto s = date ? parse_datetime_s(c.values[i]) : parse_duration_s(c.values[i]);
    if (s) v[i] = *s;
  }
  was_date = date;
  if (date) {
    first_date = v[first];
    for (double& x : v) x -= first_date;
  }
  return v;
}

}  // namespace

NameAndUnit split_name_unit(std::string_view name) {
  name = trim(name);
  NameAndUnit out;
  auto take = [&](std::size_t stem_end, std::size_t unit_begin, std::size_t unit_end) {
    out.stem = normalise_stem(name.substr(0, stem_end));
    out.unit = canonical_unit(name.substr(unit_begin, unit_end - unit_begin));
  };
  if (!name.empty() && (name.back() == ')' || name.back() == ']')) {
    const char open = name.back() == ')' ? '(' : '[';
    const auto p = name.rfind(open);
    // "Re(Z)" is a stem, not a unit: demand something before the bracket.
    if (p != std::string_view::npos && p > 0 && name.substr(0, p).find_first_not_of(" -") != std::string_view::npos &&
        !(p <= 3 && (name.substr(0, p) == "Re" || name.substr(0, p) == "-Im" || name.substr(0, p) == "Im"))) {
      take(p, p + 1, name.size() - 1);
      return out;
    }
  }
  if (const auto p = name.find(" / "); p != std::string_view::npos) {
    take(p, p + 3, name.size());
    return out;
  }
  if (const auto p = name.find('/'); p != std::string_view::npos && p > 0) {
    take(p, p + 1, name.size());
    return out;
  }
  if (const auto p = name.rfind('_'); p != std::string_view::npos && p > 0) {
    const auto suffix = name.substr(p + 1);
    for (auto u : kSuffixUnits)
      if (suffix == u) {
        take(p, p + 1, name.size());
        return out;
      }
  }
  out.stem = normalise_stem(name);
  return out;
}

std::optional<double> unit_factor(std::string_view unit_in, std::string_view target_in) {
  const std::string unit = canonical_unit(unit_in), target = canonical_unit(target_in);
  for (const auto& t : kUnits) {
    if (t.unit != target) continue;
    for (const auto& u : kUnits)
      if (u.unit == unit && u.kind == t.kind) return u.to_base / t.to_base;
  }
  return std::nullopt;
}

void add_common_columns_by_name(Table& t, const ColumnMapping& mapping) {
  const std::string& file = t.meta.source_file;
  const std::string& format = t.meta.format;
  std::string assumed;
  double first_date = kNaN;

  // Fills one common column from a numeric or text source; returns false if unusable.
  auto fill = [&](const Rule& rule, std::string_view source, std::string_view unit, bool unit_stated) -> bool {
    const auto factor = unit_factor(unit, rule.unit);
    if (!factor) return false;
    const std::string src_desc = unit_stated ? std::string(source) : fmt::format("{} (assumed {})", source, rule.unit);
    if (Column* c = t.find(source)) {
      if (source == rule.common) {  // the file already uses castor's name ("voltage_V")
        c->role = ColumnRole::Common;
        c->unit = std::string(rule.unit);
        if (*factor != 1.0)
          for (double& x : c->values) x *= *factor;
        return true;
      }
      if (*factor == 1.0) {  // the same numbers: the raw column's storage, shared
        t.add(rule.common, rule.unit, src_desc, ColumnRole::Common, c->values);
        return true;
      }
      std::vector<double> v;
      v.reserve(c->values.size());
      for (double x : std::as_const(*c).values) v.push_back(x * *factor);
      t.add(rule.common, rule.unit, src_desc, ColumnRole::Common, std::move(v));
      return true;
    }
    if (const TextColumn* c = t.find_text(source)) {
      if (rule.common != col::time_s && rule.common != col::step_time_s) return false;
      bool was_date = false;
      double d0 = kNaN;
      auto v = text_seconds(*c, was_date, d0);
      if (!v) return false;
      if (was_date && rule.common == col::time_s) first_date = d0;
      t.add(rule.common, "s",
            was_date ? fmt::format("{} (dates, seconds from the first row)", source) : fmt::format("{} (durations)", source),
            ColumnRole::Common, std::move(*v));
      return true;
    }
    return false;
  };

  // 1. Explicit mapping.
  for (const auto& [common, spec] : mapping.explicit_sources) {
    const Rule* rule = nullptr;
    for (const auto& r : rules())
      if (r.common == common) rule = &r;
    if (common == col::step_kind) {
      const TextColumn* c = t.find_text(spec);
      if (!c) throw Error(file, format, fmt::format("mapping step_kind={}: no text column '{}'", spec, spec));
      std::vector<double> k(c->values.size());
      for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<double>(step_kind_from_label(c->values[i]));
      t.add(col::step_kind, "", spec, ColumnRole::Common, std::move(k));
      continue;
    }
    if (!rule)
      throw Error(file, format,
                  fmt::format("mapping names '{}', which is not a common column (time_s, voltage_V, "
                              "current_A, cycle, step, step_kind, step_time_s, temperature_C, "
                              "charge/discharge_capacity_mAh, charge/discharge_energy_mWh, freq_Hz, "
                              "z_re_ohm, z_neg_im_ohm)",
                              common));
    std::string source = spec, unit;
    bool stated = true;
    if (const auto bar = spec.rfind('|'); bar != std::string::npos) {
      source = spec.substr(0, bar);
      unit = spec.substr(bar + 1);
    } else {
      unit = split_name_unit(source).unit;
      if (unit.empty()) {
        unit = std::string(rule->unit);
        stated = rule->unit.empty();
      }
    }
    if (!t.find(source) && !t.find_text(source)) {
      std::string names;
      for (const auto& c : t.columns()) names += (names.empty() ? "" : ", ") + c.name;
      for (const auto& c : t.text_columns()) names += (names.empty() ? "" : ", ") + c.name;
      throw Error(file, format, fmt::format("mapping {}={}: no column '{}' (columns: {})", common, spec, source, names));
    }
    if (!unit_factor(unit, rule->unit))
      throw Error(file, format, fmt::format("mapping {}={}: unit '{}' cannot be converted to '{}'", common, spec, unit, rule->unit));
    if (!fill(*rule, source, unit, stated))
      throw Error(file, format, fmt::format("mapping {}={}: column '{}' holds neither numbers nor times", common, spec, source));
    if (!stated) assumed += fmt::format("{}{} in {}", assumed.empty() ? "" : ", ", source, rule->unit);
  }

  // 2. Guesses from the names.
  if (mapping.guess) {
    struct Named {
      std::string name;
      NameAndUnit nu;
    };
    std::vector<Named> names;
    for (const auto& c : t.columns()) {
      if (c.role == ColumnRole::Raw) names.push_back({c.name, split_name_unit(c.name)});
    }
    for (const auto& c : t.text_columns()) names.push_back({c.name, split_name_unit(c.name)});
    for (const auto& rule : rules()) {
      if (const Column* c = t.find(rule.common); c && c->role == ColumnRole::Common) continue;
      // Counts need no unit; time, voltage and current are assumed in s, V and A when the
      // name states none; capacities and energies never are (Ah or mAh? Wh or mWh?).
      const bool may_assume =
          rule.common == col::time_s || rule.common == col::step_time_s || rule.common == col::voltage_V || rule.common == col::current_A;
      bool done = false;
      // Prefer any column that states its unit over one that does not.
      for (int pass = 0; pass < 2 && !done; ++pass)
        for (auto stem : rule.stems) {
          for (const auto& n : names) {
            if (n.nu.stem != stem || (pass == 0) == n.nu.unit.empty()) continue;
            if (pass == 1 && !rule.unit.empty() && !may_assume) continue;
            const bool stated = !n.nu.unit.empty() || rule.unit.empty();
            const std::string unit = n.nu.unit.empty() ? std::string(rule.unit) : n.nu.unit;
            if (fill(rule, n.name, unit, stated)) {
              if (!stated && !t.find_text(n.name)) assumed += fmt::format("{}{} in {}", assumed.empty() ? "" : ", ", n.name, rule.unit);
              done = true;
              break;
            }
          }
          if (done) break;
        }
    }
    if (!t.has(col::step_kind))
      for (auto stem : kLabelStems) {
        const TextColumn* label = nullptr;
        for (const auto& c : t.text_columns())
          if (split_name_unit(c.name).stem == stem) label = &c;
        if (!label) continue;
        std::vector<double> k(label->values.size());
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<double>(step_kind_from_label(label->values[i]));
        t.add(col::step_kind, "", label->name, ColumnRole::Common, std::move(k));
        break;
      }
    if (t.meta.start_time.empty()) {
      if (std::isfinite(first_date)) {
        set_start_time(t.meta, first_date, "first row's date");
      } else {
        for (auto stem : kDateStems) {
          for (const auto& c : t.text_columns())
            if (split_name_unit(c.name).stem == stem && !c.values.empty())
              if (auto s = parse_datetime_s(c.values.front())) set_start_time(t.meta, *s, "column '" + c.name + "'");
          if (!t.meta.start_time.empty()) break;
        }
      }
    }
  }
  if (!assumed.empty()) t.meta.extra["assumed_units"] = assumed;

  // 3. Files that store current magnitudes: sign them by the step kind.
  Column* current = t.find(col::current_A);
  const Column* kind = t.find(col::step_kind);
  if (current && kind) {
    std::size_t discharge_positive = 0, discharge_negative = 0;
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const auto k = step_kind_from_number(kind->values[i]);
      if (is_discharge(k)) {
        if (current->values[i] > 0) ++discharge_positive;
        if (current->values[i] < 0) ++discharge_negative;
      }
    }
    if (discharge_positive > 0 && discharge_negative == 0) {
      for (std::size_t i = 0; i < t.rows(); ++i) {
        const auto k = step_kind_from_number(kind->values[i]);
        if (is_discharge(k))
          current->values[i] = -std::fabs(current->values[i]);
        else if (is_charge(k))
          current->values[i] = std::fabs(current->values[i]);
      }
      current->source_name += ", signed by step kind";
    }
  }
}

}  // namespace castor::io
