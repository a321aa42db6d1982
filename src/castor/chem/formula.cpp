#include "castor/chem/formula.h"
#include "castor/core/constants.h"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::chem {
namespace {

// IUPAC 2021 standard atomic weights (conventional values for elements with an interval);
// bracketed mass numbers for elements without stable isotopes.
constexpr std::array<std::pair<std::string_view, double>, 100> kWeights{{
    {"H", 1.008},     {"D", 2.01410178},    {"He", 4.002602}, {"Li", 6.94},        {"Be", 9.0121831}, {"B", 10.81},
    {"C", 12.011},    {"N", 14.007},        {"O", 15.999},    {"F", 18.998403162}, {"Ne", 20.1797},   {"Na", 22.98976928},
    {"Mg", 24.305},   {"Al", 26.9815384},   {"Si", 28.085},   {"P", 30.973761998}, {"S", 32.06},      {"Cl", 35.45},
    {"Ar", 39.95},    {"K", 39.0983},       {"Ca", 40.078},   {"Sc", 44.955907},   {"Ti", 47.867},    {"V", 50.9415},
    {"Cr", 51.9961},  {"Mn", 54.938043},    {"Fe", 55.845},   {"Co", 58.933194},   {"Ni", 58.6934},   {"Cu", 63.546},
    {"Zn", 65.38},    {"Ga", 69.723},       {"Ge", 72.630},   {"As", 74.921595},   {"Se", 78.971},    {"Br", 79.904},
    {"Kr", 83.798},   {"Rb", 85.4678},      {"Sr", 87.62},    {"Y", 88.905838},    {"Zr", 91.222},    {"Nb", 92.90637},
    {"Mo", 95.95},    {"Tc", 97},           {"Ru", 101.07},   {"Rh", 102.90549},   {"Pd", 106.42},    {"Ag", 107.8682},
    {"Cd", 112.414},  {"In", 114.818},      {"Sn", 118.710},  {"Sb", 121.760},     {"Te", 127.60},    {"I", 126.90447},
    {"Xe", 131.293},  {"Cs", 132.90545196}, {"Ba", 137.327},  {"La", 138.90547},   {"Ce", 140.116},   {"Pr", 140.90766},
    {"Nd", 144.242},  {"Pm", 145},          {"Sm", 150.36},   {"Eu", 151.964},     {"Gd", 157.249},   {"Tb", 158.925354},
    {"Dy", 162.500},  {"Ho", 164.930329},   {"Er", 167.259},  {"Tm", 168.934219},  {"Yb", 173.045},   {"Lu", 174.96669},
    {"Hf", 178.486},  {"Ta", 180.94788},    {"W", 183.84},    {"Re", 186.207},     {"Os", 190.23},    {"Ir", 192.217},
    {"Pt", 195.084},  {"Au", 196.966570},   {"Hg", 200.592},  {"Tl", 204.38},      {"Pb", 207.2},     {"Bi", 208.98040},
    {"Po", 209},      {"At", 210},          {"Rn", 222},      {"Fr", 223},         {"Ra", 226},       {"Ac", 227},
    {"Th", 232.0377}, {"Pa", 231.03588},    {"U", 238.02891}, {"Np", 237},         {"Pu", 244},       {"Am", 243},
    {"Cm", 247},      {"Bk", 247},          {"Cf", 251},      {"Es", 252},
}};

const double* find_weight(std::string_view symbol) {
  for (const auto& [s, w] : kWeights)
    if (s == symbol) return &w;
  return nullptr;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::map<std::string, double> parse() {
    std::map<std::string, double> total;
    bool first = true;
    while (true) {
      skip_spaces();
      double count = 1;
      if (!first) {
        // After a hydrate dot: an optional count ("5H2O").
        if (auto n = number()) count = *n;
      }
      auto part = sequence(0);
      if (part.empty()) fail("expected an element symbol or '('");
      for (const auto& [e, n] : part) total[e] += n * count;
      first = false;
      skip_spaces();
      if (pos_ == s_.size()) break;
      if (!hydrate_separator()) fail(fmt::format("unexpected '{}'", s_[pos_]));
    }
    return total;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw Error(fmt::format("formula '{}', character {}: {}", s_, pos_ + 1, why)); }
  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool hydrate_separator() {
    if (s_.substr(pos_).starts_with("\xc2\xb7")) {  // U+00B7 middle dot
      pos_ += 2;
      return true;
    }
    if (s_.substr(pos_).starts_with("\xe2\x80\xa2") || s_.substr(pos_).starts_with("\xe2\x8b\x85")) {
      pos_ += 3;  // bullet, dot operator
      return true;
    }
    if (s_[pos_] == '*' || s_[pos_] == '.' || s_[pos_] == '+') {
      ++pos_;
      return true;
    }
    return false;
  }
  std::optional<double> number() {
    std::size_t end = pos_;
    while (end < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[end])) ||
                               (s_[end] == '.' && end + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end + 1])))))
      ++end;
    if (end == pos_) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + end, v);
    if (ec != std::errc() || p != s_.data() + end) fail("bad number");
    pos_ = end;
    return v;
  }
  std::map<std::string, double> sequence(int depth) {
    std::map<std::string, double> out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '(' || c == '[') {
        const char close = c == '(' ? ')' : ']';
        // Nesting is bounded so that a hostile formula cannot exhaust the stack.
        if (depth >= 16) fail("brackets nested more than 16 deep");
        ++pos_;
        auto inner = sequence(depth + 1);
        if (pos_ >= s_.size() || s_[pos_] != close) fail(fmt::format("missing '{}'", close));
        ++pos_;
        const double n = number().value_or(1.0);
        for (const auto& [e, k] : inner) out[e] += k * n;
      } else if (std::isupper(static_cast<unsigned char>(c))) {
        std::size_t end = pos_ + 1;
        while (end < s_.size() && std::islower(static_cast<unsigned char>(s_[end]))) ++end;
        const std::string sym(s_.substr(pos_, end - pos_));
        if (!find_weight(sym)) fail(fmt::format("unknown element '{}'", sym));
        pos_ = end;
        out[sym] += number().value_or(1.0);
      } else if (c == ')' || c == ']') {
        if (depth == 0) fail(fmt::format("unmatched '{}'", c));
        return out;
      } else {
        return out;
      }
    }
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

double atomic_weight(std::string_view symbol) {
  if (const double* w = find_weight(symbol)) return *w;
  throw Error(fmt::format("unknown element symbol '{}'", symbol));
}

Formula parse_formula(std::string_view text) {
  Formula f;
  f.text = std::string(text);
  if (text.empty()) throw Error("empty chemical formula");
  f.elements = Parser(text).parse();
  for (const auto& [e, n] : f.elements) f.molar_mass_g_mol += n * atomic_weight(e);
  return f;
}

double theoretical_capacity_mAh_g(double molar_mass_g_mol, double electrons) {
  if (!(molar_mass_g_mol > 0)) throw Error("molar mass must be positive");
  return electrons * constants::faraday_C_mol / (3.6 * molar_mass_g_mol);
}

double ions_per_formula_unit(double capacity_mAh_g, double molar_mass_g_mol, int z) {
  return capacity_mAh_g / theoretical_capacity_mAh_g(molar_mass_g_mol, z);
}

int ion_charge(std::string_view ion) {
  for (auto [name, z] : std::array<std::pair<std::string_view, int>, 9>{
           {{"H", 1}, {"Li", 1}, {"Na", 1}, {"K", 1}, {"Mg", 2}, {"Ca", 2}, {"Zn", 2}, {"Al", 3}, {"Y", 3}}})
    if (ion == name) return z;
  throw Error(fmt::format("unknown insertion ion '{}' (Li, Na, K, Mg, Ca, Zn, Al)", ion));
}

}  // namespace castor::chem
