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

void sincos_of(double x, double& s, double& c) {
  s = std::sin(x);  // g++ fuses the pair into one sincos call
  c = std::cos(x);
}

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

[[gnu::always_inline]] inline cplx element_impedance(const Circuit::Node& n, double w, const double* p, cplx* g) {
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
      // x = sqrt(j w tau) = a (1 + j) with a = sqrt(w tau / 2), so tanh x, 1/x and 1/x^2 come
      // from real functions: tanh(a + j a) = (sinh 2a + j sin 2a) / (cosh 2a + cos 2a),
      // 1/x = (1 - j) / (2a), 1/x^2 = -j / (2 a^2). Half the time of complex sqrt and tanh.
      const double a = std::sqrt(0.5 * w * p[1]);
      const bool open = n.type->code == ElementCode::Wo;
      cplx th(1.0, 0.0);
      if (a <= 20) {
        const double em = std::expm1(2 * a);  // e^{2a} - 1, exact for small a
        const double sh = 0.5 * em * (em + 2) / (em + 1), ch = 1 + 0.5 * em * em / (em + 1);
        double s2, c2;
        sincos_of(2 * a, s2, c2);
        th = cplx(sh, s2) / (ch + c2);
      }
      const cplx inv_x(0.5 / a, -0.5 / a), inv_x2(0.0, -0.5 / (a * a));
      const cplx ct = open ? 1.0 / th : th;  // coth for the open, tanh for the short element
      const cplx f = ct * inv_x;
      if (g) {
        // d/dx (coth x / x) = -(coth^2 x - 1) / x - coth x / x^2; d/dx (tanh x / x) = (1 - tanh^2 x) / x - tanh x / x^2;
        // dx/dtau = x / (2 tau)
        const cplx df = open ? -(ct * ct - 1.0) * inv_x - ct * inv_x2 : (1.0 - ct * ct) * inv_x - ct * inv_x2;
        const cplx x(a, a);
        g[0] = f, g[1] = p[0] * df * x / (2.0 * p[1]);
      }
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

// The circuit's impedance at every frequency: z[i] and (g non-null) g[i * P + k] for the node's
// parameters. A parallel node sums its branches' admittances; a resistor or capacitor branch
// gives its admittance directly (1/R, j w C) instead of an impedance to invert, and the
// gradient is carried as dY/dp and turned into dZ/dp = -Z^2 dY/dp at the end.
void evaluate_all(const Circuit::Node& n, const double* w, std::size_t N, std::size_t P, const double* p, cplx* z, cplx* g) {
  switch (n.kind) {
    case Circuit::Node::element:
      for (std::size_t i = 0; i < N; ++i) z[i] = element_impedance(n, w[i], p + n.begin, g ? g + i * P + n.begin : nullptr);
      return;
    case Circuit::Node::series: {
      std::fill(z, z + N, cplx(0.0, 0.0));
      std::vector<cplx> zc(N);
      for (const auto& c : n.children) {
        evaluate_all(*c, w, N, P, p, zc.data(), g);
        for (std::size_t i = 0; i < N; ++i) z[i] += zc[i];
      }
      return;
    }
    case Circuit::Node::parallel: {
      std::vector<cplx> y(N, cplx(0.0, 0.0)), zc(N);
      for (const auto& child : n.children) {
        const Circuit::Node& c = *child;
        const bool r = c.kind == Circuit::Node::element && c.type->code == ElementCode::R;
        const bool cap = c.kind == Circuit::Node::element && c.type->code == ElementCode::C;
        if (r || cap) {
          const double v = p[c.begin];
          if (r) {
            for (std::size_t i = 0; i < N; ++i) y[i] += 1.0 / v;
            if (g)
              for (std::size_t i = 0; i < N; ++i) g[i * P + c.begin] = -1.0 / (v * v);
          } else {
            for (std::size_t i = 0; i < N; ++i) y[i] += cplx(0.0, w[i] * v);
            if (g)
              for (std::size_t i = 0; i < N; ++i) g[i * P + c.begin] = cplx(0.0, w[i]);
          }
          continue;
        }
        evaluate_all(c, w, N, P, p, zc.data(), g);
        for (std::size_t i = 0; i < N; ++i) {
          const cplx yc = 1.0 / zc[i];
          y[i] += yc;
          if (g) {
            const cplx f = -(yc * yc);
            for (std::size_t k = c.begin; k < c.end; ++k) g[i * P + k] *= f;
          }
        }
      }
      for (std::size_t i = 0; i < N; ++i) {
        z[i] = 1.0 / y[i];
        if (g) {
          const cplx f = -(z[i] * z[i]);
          for (std::size_t k = n.begin; k < n.end; ++k) g[i * P + k] *= f;
        }
      }
      return;
    }
  }
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
  cplx z;
  evaluate_all(*root_, &omega, 1, params_.size(), p.data(), &z, nullptr);
  return z;
}

cplx Circuit::impedance(double omega, std::span<const double> p, std::span<cplx> grad) const {
  if (p.size() != params_.size() || grad.size() != params_.size())
    throw Error(fmt::format("circuit {} has {} parameters, {} given", text_, params_.size(), p.size()));
  cplx z;
  evaluate_all(*root_, &omega, 1, params_.size(), p.data(), &z, grad.data());
  return z;
}

void Circuit::impedance(std::span<const double> omega, std::span<const double> p, std::span<cplx> z, std::span<cplx> grad) const {
  if (p.size() != params_.size() || z.size() != omega.size() || (!grad.empty() && grad.size() != omega.size() * params_.size()))
    throw Error(fmt::format("circuit {} has {} parameters, {} given (or the output sizes do not match {} frequencies)", text_,
                            params_.size(), p.size(), omega.size()));
  evaluate_all(*root_, omega.data(), omega.size(), params_.size(), p.data(), z.data(), grad.empty() ? nullptr : grad.data());
}

}  // namespace castor::eis
