// Equivalent circuits in impedance.py's string syntax, with analytic derivatives.
//
// "R0-p(R1,CPE1)-p(R2-Wo1,C2)": '-' joins in series, p(a,b,...) in parallel; an element is
// a type and a label ("R0", "CPE_1", "Wo1"). Types, parameters (units) and impedances:
//   R   [R (Ohm)]                     Z = R
//   C   [C (F)]                       Z = 1 / (j w C)
//   L   [L (H)]                       Z = j w L
//   CPE [Q (F s^(a-1)), alpha (-)]    Z = 1 / (Q (j w)^alpha)
//   La  [L (H), alpha (-)]            Z = (L j w)^alpha                    (modified inductance)
//   W   [Aw (Ohm s^-1/2)]             Z = Aw (1 - j) / sqrt(w)            (semi-infinite Warburg)
//   Wo  [Z0 (Ohm), tau (s)]           Z = Z0 coth(sqrt(j w tau)) / sqrt(j w tau)  (finite space, open)
//   Ws  [Z0 (Ohm), tau (s)]           Z = Z0 tanh(sqrt(j w tau)) / sqrt(j w tau)  (finite length, short)
//   G   [R (Ohm), t (s)]              Z = R / sqrt(1 + j w t)              (Gerischer)
//   TLMQ [Rion (Ohm), Q (F s^(g-1)), gamma (-)]  Z = sqrt(Rion / Zs) coth(sqrt(Rion Zs)),
//        Zs = Q (j w)^gamma            (simplified transmission line, Landesfeind 2016 eq. 11)
// These are impedance.py's definitions, so fitted values compare one to one.
#pragma once

#include <complex>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace castor::eis {

using cplx = std::complex<double>;

struct ParameterInfo {
  std::string name;  // "R0", "CPE1_0", "Wo1_1" (impedance.py's names)
  std::string unit;
  double lower = 0;  // physical bounds
  double upper = 0;  // +inf when unbounded
};

class Circuit {
 public:
  // Parses a circuit string; throws castor::Error naming the position of a problem.
  explicit Circuit(std::string_view text);
  ~Circuit();
  Circuit(const Circuit&);
  Circuit& operator=(const Circuit&);
  Circuit(Circuit&&) noexcept;
  Circuit& operator=(Circuit&&) noexcept;

  const std::string& text() const { return text_; }
  std::size_t size() const { return params_.size(); }
  const std::vector<ParameterInfo>& parameters() const { return params_; }
  // Element types in parameter order ("R", "CPE", ...), one entry per parameter.
  const std::vector<std::string>& parameter_element_types() const { return types_; }

  cplx impedance(double omega, std::span<const double> p) const;
  // Z and dZ/dp_k for every parameter (grad must hold size() values).
  cplx impedance(double omega, std::span<const double> p, std::span<cplx> grad) const;
  // At every omega[i] at once (a fit's inner loop): z[i], and when grad is not empty
  // grad[i * size() + k] = dZ(omega[i])/dp_k. The tree is walked once per call, not per
  // frequency; the numbers are those of impedance() point by point.
  void impedance(std::span<const double> omega, std::span<const double> p, std::span<cplx> z, std::span<cplx> grad) const;

  struct Node;  // the parsed tree (circuit.cpp)
  const Node& root() const { return *root_; }

 private:
  std::string text_;
  std::unique_ptr<Node> root_;
  std::vector<ParameterInfo> params_;
  std::vector<std::string> types_;
};

}  // namespace castor::eis
