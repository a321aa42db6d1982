#include "castor/eis/circuit.h"
#include "castor/eis/detail/circuit_node.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::eis {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
const cplx kJ(0.0, 1.0);

// Longest names first so that "CPE" wins over "C" and "Wo" over "W".
constexpr std::array<ElementType, 10> kTypes = {{
    {ElementCode::TLMQ, "TLMQ", 3, {"Ohm", "F s^(g-1)", "-"}, {kInf, kInf, 1.0}},
    {ElementCode::CPE, "CPE", 2, {"F s^(a-1)", "-", ""}, {kInf, 1.0, 0}},
    {ElementCode::La, "La", 2, {"H", "-", ""}, {kInf, 1.0, 0}},
    {ElementCode::Wo, "Wo", 2, {"Ohm", "s", ""}, {kInf, kInf, 0}},
    {ElementCode::Ws, "Ws", 2, {"Ohm", "s", ""}, {kInf, kInf, 0}},
    {ElementCode::R, "R", 1, {"Ohm", "", ""}, {kInf, 0, 0}},
    {ElementCode::C, "C", 1, {"F", "", ""}, {kInf, 0, 0}},
    {ElementCode::L, "L", 1, {"H", "", ""}, {kInf, 0, 0}},
    {ElementCode::W, "W", 1, {"Ohm s^-1/2", "", ""}, {kInf, 0, 0}},
    {ElementCode::G, "G", 2, {"Ohm", "s", ""}, {kInf, kInf, 0}},
}};

cplx coth(cplx x) {
  if (x.real() > 20) return 1.0;
  return 1.0 / std::tanh(x);
}
cplx csch2(cplx x) {  // 1 / sinh^2
  if (x.real() > 20) return 4.0 * std::exp(-2.0 * x);
  const cplx s = std::sinh(x);
  return 1.0 / (s * s);
}
}  // namespace

namespace {

class Parser {
 public:
  Parser(std::string_view s, std::vector<ParameterInfo>& params, std::vector<std::string>& types) : s_(s), params_(params), types_(types) {}

  std::unique_ptr<Circuit::Node> parse() {
    skip();
    if (pos_ == s_.size()) fail("empty circuit");
    auto n = series();
    skip();
    if (pos_ != s_.size()) fail(fmt::format("unexpected '{}'", s_[pos_]));
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw Error(fmt::format("circuit '{}', character {}: {}", s_, pos_ + 1, why)); }
  void skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  std::unique_ptr<Circuit::Node> series() {
    auto first = term();
    skip();
    if (pos_ >= s_.size() || s_[pos_] != '-') return first;
    auto n = std::make_unique<Circuit::Node>();
    n->kind = Circuit::Node::series;
    n->begin = first->begin;
    n->children.push_back(std::move(first));
    while (pos_ < s_.size() && s_[pos_] == '-') {
      ++pos_;
      skip();
      n->children.push_back(term());
      skip();
    }
    n->end = n->children.back()->end;
    return n;
  }
  std::unique_ptr<Circuit::Node> term() {
    skip();
    if (pos_ >= s_.size()) fail("expected an element or p(...)");
    if (s_[pos_] == 'p' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '(') {
      pos_ += 2;
      // Nesting is bounded so that a hostile string cannot exhaust the stack.
      if (++depth_ > kMaxDepth) fail(fmt::format("p(...) nested more than {} deep", kMaxDepth));
      auto n = std::make_unique<Circuit::Node>();
      n->kind = Circuit::Node::parallel;
      n->begin = params_.size();
      n->children.push_back(series());
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ',') fail("p(...) needs at least two branches separated by ','");
      while (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        n->children.push_back(series());
        skip();
      }
      if (pos_ >= s_.size() || s_[pos_] != ')') fail("missing ')'");
      ++pos_;
      --depth_;
      n->end = params_.size();
      return n;
    }
    return element();
  }
  std::unique_ptr<Circuit::Node> element() {
    const std::size_t start = pos_;
    std::size_t end = pos_;
    while (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) ++end;
    const std::string_view word = s_.substr(start, end - start);
    if (word.empty()) fail(fmt::format("expected an element, found '{}'", s_[pos_]));
    const ElementType* type = nullptr;
    for (const auto& t : kTypes) {
      if (!word.starts_with(t.name)) continue;
      const auto rest = word.substr(t.name.size());
      if (rest.empty() || std::isdigit(static_cast<unsigned char>(rest[0])) || rest[0] == '_') {
        type = &t;
        break;
      }
    }
    if (!type)
      fail(
          fmt::format("unknown element '{}' (known: R, C, L, CPE, La, W, Wo, Ws, G, TLMQ, each followed by a "
                      "label such as R0 or CPE_1)",
                      word));
    const std::string label(word);
    if (!labels_.insert(label).second) fail(fmt::format("element '{}' appears twice", label));
    pos_ = end;
    auto n = std::make_unique<Circuit::Node>();
    n->kind = Circuit::Node::element;
    n->type = type;
    n->label = label;
    n->begin = params_.size();
    for (int k = 0; k < type->n; ++k) {
      ParameterInfo p;
      p.name = type->n == 1 ? label : fmt::format("{}_{}", label, k);
      p.unit = std::string(type->units[static_cast<std::size_t>(k)]);
      p.lower = 0;
      p.upper = type->upper[static_cast<std::size_t>(k)];
      params_.push_back(p);
      types_.push_back(std::string(type->name));
    }
    n->end = params_.size();
    return n;
  }

  std::string_view s_;
  static constexpr int kMaxDepth = 32;
  int depth_ = 0;
  std::size_t pos_ = 0;
  std::vector<ParameterInfo>& params_;
  std::vector<std::string>& types_;
  std::set<std::string> labels_;
};

cplx element_impedance(const Circuit::Node& n, double w, const double* p, cplx* g) {
  const cplx jw(0.0, w);
  switch (n.type->code) {
    case ElementCode::R: {
      if (g) g[0] = 1.0;
      return p[0];
    }
    case ElementCode::C: {
      const cplx z = 1.0 / (jw * p[0]);
      if (g) g[0] = -z / p[0];
      return z;
    }
    case ElementCode::L: {
      if (g) g[0] = jw;
      return jw * p[0];
    }
    case ElementCode::CPE: {
      const cplx lj = std::log(jw);
      const cplx z = 1.0 / (p[0] * std::exp(p[1] * lj));
      if (g) g[0] = -z / p[0], g[1] = -z * lj;
      return z;
    }
    case ElementCode::La: {  // (L j w)^alpha, as impedance.py
      const cplx lj = std::log(jw * p[0]);
      const cplx z = std::exp(p[1] * lj);
      if (g) g[0] = p[1] * z / p[0], g[1] = z * lj;
      return z;
    }
    case ElementCode::W: {
      const cplx base = (1.0 - kJ) / std::sqrt(w);
      if (g) g[0] = base;
      return p[0] * base;
    }
    case ElementCode::Wo:
    case ElementCode::Ws: {
      const cplx x = std::sqrt(jw * p[1]);
      const bool open = n.type->code == ElementCode::Wo;
      // One tanh: coth = 1/tanh, csch^2 = coth^2 - 1, sech^2 = 1 - tanh^2.
      const cplx th = x.real() > 20 ? cplx(1.0) : std::tanh(x);
      const cplx ct = 1.0 / th;
      const cplx f = open ? ct / x : th / x;
      // d/dx (coth x / x) = -(csch^2 x) / x - coth x / x^2; d/dx (tanh x / x) = sech^2 x / x - tanh x / x^2
      const cplx df = open ? -(ct * ct - 1.0) / x - ct / (x * x) : (1.0 - th * th) / x - th / (x * x);
      if (g) g[0] = f, g[1] = p[0] * df * x / (2.0 * p[1]);
      return p[0] * f;
    }
    case ElementCode::G: {
      const cplx a = 1.0 + jw * p[1];
      const cplx s = std::sqrt(a);
      if (g) g[0] = 1.0 / s, g[1] = -0.5 * p[0] * jw / (a * s);
      return p[0] / s;
    }
    case ElementCode::TLMQ: {  // Zs = Q (j w)^gamma, Z = sqrt(Rion / Zs) coth(sqrt(Rion Zs)), as impedance.py
      const cplx lj = std::log(jw);
      const cplx zs = p[1] * std::exp(p[2] * lj);
      const cplx a = std::sqrt(p[0] / zs), b = std::sqrt(p[0] * zs);
      const cplx cb = coth(b), c2 = csch2(b);
      const cplx z = a * cb;
      if (g) {
        // dZ = coth(b) da - a csch^2(b) db
        const cplx dz_drion = cb * a / (2.0 * p[0]) - a * c2 * b / (2.0 * p[0]);
        const cplx dz_dzs = -cb * a / (2.0 * zs) - a * c2 * b / (2.0 * zs);
        g[0] = dz_drion;
        g[1] = dz_dzs * (zs / p[1]);
        g[2] = dz_dzs * (zs * lj);
      }
      return z;
    }
  }
  throw Error(fmt::format("internal: element type {} not evaluated", n.type->name));
}

cplx evaluate(const Circuit::Node& n, double w, const double* p, cplx* g) {
  switch (n.kind) {
    case Circuit::Node::element:
      return element_impedance(n, w, p + n.begin, g ? g + n.begin : nullptr);
    case Circuit::Node::series: {
      cplx z = 0;
      for (const auto& c : n.children) z += evaluate(*c, w, p, g);
      return z;
    }
    case Circuit::Node::parallel: {
      // Up to 8 branches on the stack (no allocation in the fitting loop).
      std::array<cplx, 8> small;
      std::vector<cplx> large;
      cplx* zc = small.data();
      if (n.children.size() > small.size()) {
        large.resize(n.children.size());
        zc = large.data();
      }
      cplx y = 0;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        zc[i] = evaluate(*n.children[i], w, p, g);
        y += 1.0 / zc[i];
      }
      const cplx z = 1.0 / y;
      if (g)
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          const cplx f = (z / zc[i]) * (z / zc[i]);
          for (std::size_t k = n.children[i]->begin; k < n.children[i]->end; ++k) g[k] *= f;
        }
      return z;
    }
  }
  return 0;
}

}  // namespace

Circuit::Circuit(std::string_view text) : text_(text) { root_ = Parser(text_, params_, types_).parse(); }
Circuit::~Circuit() = default;
Circuit::Circuit(const Circuit& o) : text_(o.text_), root_(o.root_->clone()), params_(o.params_), types_(o.types_) {}
Circuit& Circuit::operator=(const Circuit& o) {
  if (this != &o) {
    text_ = o.text_;
    root_ = o.root_->clone();
    params_ = o.params_;
    types_ = o.types_;
  }
  return *this;
}
Circuit::Circuit(Circuit&&) noexcept = default;
Circuit& Circuit::operator=(Circuit&&) noexcept = default;

cplx Circuit::impedance(double omega, std::span<const double> p) const {
  if (p.size() != params_.size()) throw Error(fmt::format("circuit {} has {} parameters, {} given", text_, params_.size(), p.size()));
  return evaluate(*root_, omega, p.data(), nullptr);
}

cplx Circuit::impedance(double omega, std::span<const double> p, std::span<cplx> grad) const {
  if (p.size() != params_.size() || grad.size() != params_.size())
    throw Error(fmt::format("circuit {} has {} parameters, {} given", text_, params_.size(), p.size()));
  return evaluate(*root_, omega, p.data(), grad.data());
}

}  // namespace castor::eis
