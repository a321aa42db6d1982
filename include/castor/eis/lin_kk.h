// Linear Kramers-Kronig validity test (Schoenleber et al., Electrochim. Acta 131 (2014) 20):
// the spectrum is fitted by an ohmic resistance, M RC elements with fixed time constants
// spread logarithmically over 1/(2 pi f_max) .. 1/(2 pi f_min), a series inductance and
// optionally a series capacitance; the fit is linear in the resistances. M grows from 1
// until mu = 1 - sum|R_k<0| / sum|R_k>=0| falls to the cut-off c. Residuals relative to |Z|
// that stay within about 1 % say the spectrum is Kramers-Kronig consistent (linear, causal,
// stable). Same model and definitions as impedance.py's linKK.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "castor/eis/spectrum.h"

namespace castor::eis {

enum class KkFit { real, imag, complex };
std::string_view to_string(KkFit f);
std::optional<KkFit> kk_fit_from_string(std::string_view s);

struct LinKKOptions {
  double mu_cutoff = 0.85;  // c
  int max_M = 50;
  KkFit fit = KkFit::real;
  bool add_capacitance = false;
  std::optional<int> fixed_M;  // skip the automatic choice
  // How M is chosen: Schoenleber's mu criterion (impedance.py's linKK), or the smallest M
  // whose largest residual is within 10 % of the best over M = 1..max_M while mu >= 0.5
  // (castor's default
  // in kk_verdict: the mu criterion stops at M = 5 on an exact Randles spectrum, leaving a
  // 57 % residual).
  enum class MChoice { mu, residual } choose_M = MChoice::mu;
};

struct LinKKResult {
  int M = 0;
  double mu = 0;
  int mu_M = 0;                      // the M the mu criterion gives (the same as M unless choose_M = residual)
  std::vector<double> tau_s, r_ohm;  // the M RC elements
  double r0_ohm = 0, l_H = 0;
  std::optional<double> c_F;  // when add_capacitance
  std::vector<std::complex<double>> z_fit;
  std::vector<double> residual_re, residual_im;  // (Z - Z_fit) / |Z|
  double max_abs_residual = 0;
};

// Throws castor::Error for fewer than 3 points or non-positive frequencies.
LinKKResult lin_kk(const Spectrum& spectrum, const LinKKOptions& options = {});

// Whether the spectrum's low-frequency end is capacitive (no low-frequency intercept: the
// phase at the lowest frequency is below -20 deg and -Z'' still rises towards it: a capacitor or
// a diffusion tail), so the
// Lin-KK model needs a series capacitance.
bool low_frequency_capacitive(const Spectrum& spectrum);

// castor's verdict: a complex fit (both parts, impedance.py's "complex"), a series
// capacitance when the low-frequency end is capacitive, M by mu; then the same test with
// the other common settings, so that a verdict that depends on the setting is said.
struct KkSetting {
  KkFit fit = KkFit::complex;
  bool add_capacitance = false;
  LinKKResult result;
  bool passes() const { return result.max_abs_residual < 0.01; }
};
struct KkVerdict {
  KkSetting chosen;
  std::vector<KkSetting> others;
  bool depends_on_setting() const;
  std::string text() const;  // one paragraph
};
KkVerdict kk_verdict(const Spectrum& spectrum, double mu_cutoff = 0.85, int max_M = 50);

}  // namespace castor::eis
