#include "castor/sim/protocol.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace castor::sim {
namespace {

// The most steps a protocol may expand to (a bound on the work one simulation can be asked for).
constexpr std::size_t kMaxProtocolSteps = 20000;

std::string lower(std::string_view s) {
  std::string o;
  for (char c : s) o.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return o;
}

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> w;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == ',') {
      if (!cur.empty()) w.push_back(cur), cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) w.push_back(cur);
  return w;
}

class StepParser {
 public:
  explicit StepParser(std::string text) : text_(std::move(text)), w_(words_of(text_)) {}

  ProtocolStep parse() {
    ProtocolStep s;
    s.text = text_;
    const std::string verb = lower(take("a step (Discharge, Charge, Rest, Hold, Sweep, Impedance)"));
    if (verb == "discharge" || verb == "charge") {
      s.type = verb == "discharge" ? StepType::discharge : StepType::charge;
      expect("at");
      s.current = current();
      limits(s);
      if (!s.until_voltage_V && !s.duration_s && !s.until_current) fail("a limit: 'until 1.5 V' or 'for 30 minutes'");
    } else if (verb == "rest") {
      s.type = StepType::rest;
      expect("for");
      s.duration_s = duration();
    } else if (verb == "hold") {
      s.type = StepType::hold;
      expect("at");
      s.voltage_V = voltage();
      limits(s);
      if (!s.duration_s && !s.until_current) fail("a limit: 'until 1 mA/g' or 'for 1 hour'");
    } else if (verb == "sweep") {
      s.type = StepType::sweep;
      expect("from");
      s.voltage_V = voltage();
      expect("to");
      s.sweep_to_V = voltage();
      expect("at");
      const double v = number();
      const std::string u = lower(take("a scan rate unit (mV/s or V/s)"));
      if (u == "mv/s")
        s.sweep_rate_V_s = v * 1e-3;
      else if (u == "v/s")
        s.sweep_rate_V_s = v;
      else if (u == "uv/s" || u == "µv/s")
        s.sweep_rate_V_s = v * 1e-6;
      else
        fail_word(u, "a scan rate unit (mV/s or V/s)");
      if (!(*s.sweep_rate_V_s > 0)) fail("a positive scan rate");
    } else if (verb == "impedance") {
      s.type = StepType::impedance;
      expect("from");
      s.f_start_Hz = frequency();
      expect("to");
      s.f_end_Hz = frequency();
      expect("at");
      s.amplitude_V = voltage();
      if (pos_ < w_.size()) {
        const double ppd = number();
        if (!(ppd >= 1 && ppd <= 1000) || ppd != std::floor(ppd))
          fail_word(fmt::format("{}", ppd), "a whole number of points per decade (1 to 1000)");
        s.points_per_decade = static_cast<int>(ppd);
        expect("per");
        expect("decade");
      }
    } else {
      fail_word(verb, "a step (Discharge, Charge, Rest, Hold, Sweep, Impedance)");
    }
    if (pos_ < w_.size()) fail_word(w_[pos_], "the end of the step");
    check_values(s);
    return s;
  }

  // The most simulated time one step may ask for (about 3 years).
  static constexpr double kMaxStepSeconds = 1e8;

 private:
  // Numbers that parse but describe no experiment: negative or infinite currents and
  // durations, infinite voltages, impedance grids beyond what a spectrum needs.
  void check_values(const ProtocolStep& s) const {
    auto bad = [&](const std::string& what) { throw Error(fmt::format("protocol step '{}': {}", text_, what)); };
    if (s.current && !(s.current->value > 0 && std::isfinite(s.current->value)))
      bad(fmt::format("the current {} {} must be a positive finite number (the verb gives the direction)", s.current->value,
                      s.current->unit));
    if (s.until_current && !(s.until_current->value > 0 && std::isfinite(s.until_current->value)))
      bad(fmt::format("the current limit {} {} must be a positive finite number", s.until_current->value, s.until_current->unit));
    if (s.duration_s && !(*s.duration_s > 0 && *s.duration_s <= kMaxStepSeconds))
      bad(fmt::format("the duration {} s must be positive and at most {:.0e} s (about 3 years)", *s.duration_s, kMaxStepSeconds));
    for (const auto& v : {s.voltage_V, s.sweep_to_V, s.until_voltage_V})
      if (v && !(std::fabs(*v) <= 20)) bad(fmt::format("the voltage {} V is outside +-20 V", *v));
    if (s.type == StepType::hold && s.until_voltage_V) bad("a hold ends on a current or a time, not on a voltage");
    if (s.sweep_rate_V_s && !(*s.sweep_rate_V_s <= 1e3)) bad(fmt::format("the scan rate {} V/s is above 1000 V/s", *s.sweep_rate_V_s));
    if (s.type == StepType::sweep && s.voltage_V && s.sweep_to_V && *s.voltage_V == *s.sweep_to_V)
      bad("the sweep starts and ends at the same potential");
    if (s.type == StepType::sweep && std::fabs(*s.sweep_to_V - *s.voltage_V) / *s.sweep_rate_V_s > kMaxStepSeconds)
      bad(fmt::format("the sweep lasts more than {:.0e} s", kMaxStepSeconds));
    if (s.type == StepType::impedance) {
      for (double f : {s.f_start_Hz, s.f_end_Hz})
        if (!(f >= 1e-6 && f <= 1e9)) bad(fmt::format("the frequency {} Hz is outside 1 uHz - 1 GHz", f));
      if (s.f_start_Hz == s.f_end_Hz) bad("the frequency range is empty");
      if (!(s.amplitude_V > 0 && s.amplitude_V <= 1)) bad(fmt::format("the amplitude {} V must be in (0, 1] V", s.amplitude_V));
      if (s.points_per_decade < 1 || s.points_per_decade > 1000) bad(fmt::format("{} points per decade: 1 to 1000", s.points_per_decade));
    }
  }

  [[noreturn]] void fail(const std::string& wanted) const {
    throw Error(fmt::format("protocol step '{}': expected {}{}", text_, wanted,
                            pos_ < w_.size() ? fmt::format(" at '{}'", w_[pos_]) : " at the end of the step"));
  }
  [[noreturn]] void fail_word(const std::string& word, const std::string& wanted) const {
    throw Error(fmt::format("protocol step '{}': '{}' is not {}", text_, word, wanted));
  }
  std::string take(const std::string& wanted) {
    if (pos_ >= w_.size()) fail(wanted);
    return w_[pos_++];
  }
  void expect(std::string_view word) {
    const std::string w = lower(take(fmt::format("'{}'", word)));
    if (w != word) {
      --pos_;
      fail(fmt::format("'{}'", word));
    }
  }
  double number() {
    const std::string w = take("a number");
    double v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || p != w.data() + w.size()) fail_word(w, "a number");
    return v;
  }
  // "5 mA/g" or "5mA/g".
  std::pair<double, std::string> number_unit(const std::string& wanted) {
    const std::string w = take(wanted);
    double v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc()) fail_word(w, wanted);
    std::string unit(p, w.data() + w.size());
    if (unit.empty()) unit = take(wanted);
    return {v, unit};
  }
  Amount current() {
    auto [v, u] = number_unit("a current (5 mA/g, 0.1 C, 2 mA, 1 mA/cm2)");
    const std::string l = lower(u);
    if (l == "a") return {v, "A"};
    if (l == "ma") return {v * 1e-3, "A"};
    if (l == "ua" || l == "µa") return {v * 1e-6, "A"};
    if (l == "a/g") return {v, "A/g"};
    if (l == "ma/g") return {v * 1e-3, "A/g"};
    if (l == "ma/cm2") return {v * 10.0, "A/m2"};
    if (l == "a/m2") return {v, "A/m2"};
    if (l == "c") return {v, "C"};
    fail_word(u, "a current unit (A, mA, uA, A/g, mA/g, mA/cm2, C)");
  }
  double voltage() {
    auto [v, u] = number_unit("a voltage (1.5 V, 5 mV)");
    const std::string l = lower(u);
    if (l == "v") return v;
    if (l == "mv") return v * 1e-3;
    fail_word(u, "a voltage unit (V, mV)");
  }
  double frequency() {
    auto [v, u] = number_unit("a frequency (1 MHz, 10 mHz)");
    if (u == "Hz" || u == "hz") return v;
    if (u == "kHz" || u == "khz") return v * 1e3;
    if (u == "MHz") return v * 1e6;
    if (u == "mHz") return v * 1e-3;
    if (u == "uHz" || u == "µHz") return v * 1e-6;
    fail_word(u, "a frequency unit (Hz, kHz, MHz, mHz)");
  }
  double duration() {
    auto [v, u] = number_unit("a duration (30 minutes, 2 h, 600 s)");
    const std::string l = lower(u);
    if (l == "s" || l == "sec" || l == "second" || l == "seconds") return v;
    if (l == "min" || l == "minute" || l == "minutes") return v * 60;
    if (l == "h" || l == "hour" || l == "hours") return v * 3600;
    if (l == "d" || l == "day" || l == "days") return v * 86400;
    fail_word(u, "a time unit (s, min, h)");
  }
  void limits(ProtocolStep& s) {
    while (pos_ < w_.size()) {
      const std::string w = lower(w_[pos_]);
      if (w == "or") {
        ++pos_;
        continue;
      }
      if (w == "for") {
        ++pos_;
        s.duration_s = duration();
      } else if (w == "until") {
        ++pos_;
        // A voltage or a current.
        const std::string next = w_.size() > pos_ ? w_[pos_] : "";
        const std::string unit = lower(pos_ + 1 < w_.size() ? w_[pos_ + 1] : "");
        const bool volt = unit == "v" || unit == "mv" || lower(next).ends_with("v");
        if (volt) {
          s.until_voltage_V = voltage();
          // "until 1.5 V cell": the two-electrode (cell) voltage, not the working electrode's.
          if (pos_ < w_.size() && (lower(w_[pos_]) == "cell" || lower(w_[pos_]) == "(cell)")) {
            s.limit_on_cell_voltage = true;
            ++pos_;
          }
        } else {
          s.until_current = current();
        }
      } else if (!s.duration_s && !s.until_voltage_V && !s.until_current) {
        fail("'until' or 'for'");
      } else {
        // "2 hours" after "or": a duration without 'for'.
        s.duration_s = duration();
      }
    }
  }

  std::string text_;
  std::vector<std::string> w_;
  std::size_t pos_ = 0;
};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// `copied` counts the steps copied while expanding repeats at every nesting level: nested
// blocks copy their steps once per level, so the work is bounded, not only the result.
void parse_block(std::string_view text, std::vector<ProtocolStep>& out, int depth, std::size_t& copied) {
  if (depth > 8) throw Error("protocol: repeats nested more than 8 deep");
  std::size_t i = 0;
  std::string current;
  auto flush = [&] {
    const std::string t = trim(current);
    current.clear();
    if (!t.empty() && t[0] != '#') out.push_back(StepParser(t).parse());
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '(') {
      flush();
      int level = 1;
      std::size_t j = i + 1;
      while (j < text.size() && level > 0) {
        if (text[j] == '(') ++level;
        if (text[j] == ')') --level;
        ++j;
      }
      if (level != 0) throw Error(fmt::format("protocol: '(' without ')' in '{}'", trim(text.substr(i))));
      const std::string_view inner = text.substr(i + 1, j - i - 2);
      // "x N" after the block.
      std::size_t k = j;
      while (k < text.size() && text[k] == ' ') ++k;
      int times = 1;
      if (k < text.size() && (text[k] == 'x' || text[k] == 'X' || text[k] == '*')) {
        ++k;
        while (k < text.size() && text[k] == ' ') ++k;
        std::size_t e = k;
        while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e]))) ++e;
        if (e == k) throw Error(fmt::format("protocol: expected a repeat count after 'x' in '{}'", trim(text.substr(i, e - i + 1))));
        times = static_cast<int>(parse_integer(text.substr(k, e - k), "protocol: repeat count", 1, 100000));
        k = e;
      }
      std::vector<ProtocolStep> block;
      parse_block(inner, block, depth + 1, copied);
      if (out.size() + block.size() * static_cast<std::size_t>(times) > kMaxProtocolSteps)
        throw Error(fmt::format("protocol: more than {} steps after expanding the repeats", kMaxProtocolSteps));
      copied += block.size() * static_cast<std::size_t>(times);
      if (copied > 2 * kMaxProtocolSteps)
        throw Error(fmt::format("protocol: nested repeats expand to more than {} steps in all", 2 * kMaxProtocolSteps));
      for (int r = 0; r < times; ++r) out.insert(out.end(), block.begin(), block.end());
      i = k;
      continue;
    }
    if (c == ';' || c == '\n') {
      flush();
      if (out.size() > kMaxProtocolSteps) throw Error(fmt::format("protocol: more than {} steps", kMaxProtocolSteps));
      ++i;
      continue;
    }
    current.push_back(c);
    ++i;
  }
  flush();
}
}  // namespace

std::vector<ProtocolStep> parse_protocol(std::string_view text) {
  std::vector<ProtocolStep> out;
  std::size_t copied = 0;
  parse_block(text, out, 0, copied);
  if (out.empty()) throw Error("protocol: no steps");
  return out;
}

}  // namespace castor::sim
