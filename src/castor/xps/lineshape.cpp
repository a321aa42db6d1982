#include "castor/xps/lineshape.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace castor::xps {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

// Weideman (1994), SIAM J. Numer. Anal. 31, 1497: w(z) ~ 2 p(Z) / (L - iz)^2 + 1/sqrt(pi) / (L - iz),
// Z = (L + iz)/(L - iz), with p's coefficients from a cosine transform of
// exp(-t^2)(L^2 + t^2) at t = L tan(k pi / 2M).
constexpr int kN = 32;
struct Weideman {
  double L = 0;
  std::array<double, kN> a{};  // a[n] multiplies Z^n
  Weideman() {
    const int M = 2 * kN;
    L = std::sqrt(kN / std::numbers::sqrt2);
    auto g = [&](int k) {
      const double t = L * std::tan(k * std::numbers::pi / (2.0 * M));
      return std::exp(-t * t) * (L * L + t * t);
    };
    for (int n = 1; n <= kN; ++n) {
      double s = g(0);
      for (int k = 1; k < M; ++k) s += 2 * g(k) * std::cos(std::numbers::pi * k * n / M);
      a[static_cast<std::size_t>(n - 1)] = s / (2.0 * M);
    }
  }
};

// The Voigt's Gaussian sigma and Lorentzian half width for a total FWHM with a Lorentzian
// share of m % (Olivero-Longbothum); lorentzian when the Gaussian part vanishes.
struct VoigtWidths {
  bool lorentzian;
  double sigma, gamma;
};
VoigtWidths voigt_widths(double m, double fwhm) {
  const double fl = std::clamp(m, 0.0, 100.0) / 100 * fwhm;
  const double fg2 = std::pow(fwhm - 0.5346 * fl, 2) - 0.2166 * fl * fl;
  if (m >= 99.999 || fg2 <= 1e-12 * fwhm * fwhm) return {true, 0.0, fwhm / 2};
  return {false, std::sqrt(fg2) / (2 * std::sqrt(2 * kLn2)), fl / 2};
}

double gl_product_unit(double u, double m) {
  const double f = m / 100;
  return std::exp(-4 * kLn2 * (1 - f) * u * u) / (1 + 4 * f * u * u);
}

// Area of GL(m) with unit height and unit FWHM, by quadrature to +-200 FWHM plus the
// Lorentzian tail beyond; cached per m.
double gl_product_area(double m) {
  static std::mutex mu;
  static std::map<double, double> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(m); it != cache.end()) return it->second;
  double s = 0;
  const double h = 0.005;
  for (int i = -40000; i <= 40000; ++i) s += gl_product_unit(i * h, m) * h;
  if (m >= 100) s += 2 / (4 * 200.0);  // pure Lorentzian: the rest of the tails
  cache[m] = s;
  return s;
}

double number(const std::string& text, const std::string& s) { return parse_number(s, fmt::format("line shape '{}'", text)); }

void check_width(double fwhm) {
  if (!(fwhm > 0) || !std::isfinite(fwhm)) throw Error(fmt::format("XPS peak: FWHM {} eV is not positive", fwhm));
}

std::vector<double> asymmetric(const LineShape& s, const std::vector<double>& x, double pos, double fwhm, double area) {
  const auto [lo_it, hi_it] = std::minmax_element(x.begin(), x.end());
  const double lo = *lo_it, hi = *hi_it;
  const double g = s.gauss_fwhm_eV;
  const double h = std::max(std::min(fwhm, g > 0 ? g : fwhm) / 20, (hi - lo + 10 * g) / 200000);
  const double start = lo - 4 * g - h;
  const auto n = static_cast<std::size_t>(std::ceil((hi - start + 4 * g + h) / h)) + 1;
  std::vector<double> raw(n), conv(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double e = start + static_cast<double>(i) * h, u = (e - pos) / fwhm;
    const double lor = 1 / (1 + 4 * u * u);
    double v = std::pow(lor, e > pos ? s.alpha : s.beta);
    if (s.damping_eV > 0) {
      const double d = (e - pos) / s.damping_eV;
      v /= 1 + 4 * d * d;
    }
    raw[i] = v;
  }
  if (g > 0) {
    const double sig = g / (2 * std::sqrt(2 * kLn2));
    const auto half = static_cast<std::ptrdiff_t>(std::ceil(4 * g / h));
    std::vector<double> k(static_cast<std::size_t>(2 * half + 1));
    double ks = 0;
    for (std::ptrdiff_t j = -half; j <= half; ++j) {
      const double t = static_cast<double>(j) * h / sig;
      ks += k[static_cast<std::size_t>(j + half)] = std::exp(-0.5 * t * t);
    }
    for (double& v : k) v /= ks;
    const auto N = static_cast<std::ptrdiff_t>(n);
    for (std::ptrdiff_t i = 0; i < N; ++i) {
      double acc = 0;
      for (std::ptrdiff_t j = -half; j <= half; ++j) {
        const std::ptrdiff_t q = std::clamp<std::ptrdiff_t>(i - j, 0, N - 1);  // edges held flat
        acc += k[static_cast<std::size_t>(j + half)] * raw[static_cast<std::size_t>(q)];
      }
      conv[static_cast<std::size_t>(i)] = acc;
    }
  } else {
    conv = raw;
  }
  auto at = [&](double e) {
    const double f = (e - start) / h;
    const auto i = std::min(static_cast<std::size_t>(std::max(0.0, std::floor(f))), n - 2);
    const double w = f - static_cast<double>(i);
    return conv[i] * (1 - w) + conv[i + 1] * w;
  };
  // Area over [lo, hi] by the trapezoid rule on the fine grid.
  double total = 0;
  const auto m = static_cast<std::size_t>(std::ceil((hi - lo) / h));
  const double step = (hi - lo) / static_cast<double>(std::max<std::size_t>(m, 1));
  for (std::size_t i = 0; i < m; ++i)
    total += 0.5 * (at(lo + static_cast<double>(i) * step) + at(lo + static_cast<double>(i + 1) * step)) * step;
  std::vector<double> y;
  y.reserve(x.size());
  for (double e : x) y.push_back(total > 0 ? area * at(e) / total : 0.0);
  return y;
}

}  // namespace

std::complex<double> faddeeva(std::complex<double> z) {
  static const Weideman W;
  const std::complex<double> i(0, 1);
  const std::complex<double> d = W.L - i * z;
  const std::complex<double> Z = (W.L + i * z) / d;
  std::complex<double> p = 0;
  for (int n = kN - 1; n >= 0; --n) p = p * Z + W.a[static_cast<std::size_t>(n)];
  return 2.0 * p / (d * d) + (1 / std::sqrt(std::numbers::pi)) / d;
}

LineShape parse_line_shape(const std::string& text) {
  std::string t;
  for (char c : text)
    if (c != ' ') t.push_back(c);
  const auto open = t.find('('), close = t.rfind(')');
  if (open == std::string::npos || close != t.size() - 1 || close < open)
    throw Error(fmt::format("line shape '{}': expected NAME(args), e.g. GL(30), SGL(30), V(20), LA(1,2,0.8), LF(0.5,10,20,0.8)", text));
  std::string name = t.substr(0, open);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::vector<double> a;
  std::string cur;
  for (char c : t.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      a.push_back(number(text, cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) a.push_back(number(text, cur));
  LineShape s;
  auto need = [&](std::size_t n) {
    if (a.size() != n) throw Error(fmt::format("line shape '{}': {} takes {} number(s), got {}", text, name, n, a.size()));
  };
  if (name == "GL" || name == "SGL" || name == "V") {
    need(1);
    if (a[0] < 0 || a[0] > 100) throw Error(fmt::format("line shape '{}': the share must be 0-100 %", text));
    s.kind = name == "GL" ? Shape::gl_product : name == "SGL" ? Shape::gl_sum : Shape::voigt;
    s.m = a[0];
  } else if (name == "LA" || name == "LF") {
    need(name == "LA" ? 3 : 4);
    s.kind = Shape::lorentzian_asymmetric;
    s.alpha = a[0], s.beta = a[1];
    if (name == "LF") s.damping_eV = a[2];
    s.gauss_fwhm_eV = a.back();
    if (s.alpha <= 0 || s.beta <= 0 || s.gauss_fwhm_eV < 0 || s.damping_eV < 0)
      throw Error(fmt::format("line shape '{}': exponents must be positive and widths not negative", text));
  } else {
    throw Error(fmt::format("line shape '{}': unknown shape '{}' (GL, SGL, V, LA, LF)", text, name));
  }
  return s;
}

std::string to_string(const LineShape& s) {
  switch (s.kind) {
    case Shape::gl_product:
      return fmt::format("GL({:g})", s.m);
    case Shape::gl_sum:
      return fmt::format("SGL({:g})", s.m);
    case Shape::voigt:
      return fmt::format("V({:g})", s.m);
    case Shape::lorentzian_asymmetric:
      return s.damping_eV > 0 ? fmt::format("LF({:g},{:g},{:g},{:g})", s.alpha, s.beta, s.damping_eV, s.gauss_fwhm_eV)
                              : fmt::format("LA({:g},{:g},{:g})", s.alpha, s.beta, s.gauss_fwhm_eV);
  }
  return "?";
}

std::vector<double> peak_profile(const LineShape& s, const std::vector<double>& x, double pos, double fwhm, double area) {
  check_width(fwhm);
  std::vector<double> y;
  if (x.empty()) return y;
  y.reserve(x.size());
  switch (s.kind) {
    case Shape::gl_product: {
      const double h = area / (gl_product_area(s.m) * fwhm);
      for (double e : x) y.push_back(h * gl_product_unit((e - pos) / fwhm, s.m));
      return y;
    }
    case Shape::gl_sum: {
      // Casa's SGL(m) mixes unit-height curves, (1 - m) G + m L; ag and al are their areas.
      const double f = s.m / 100;
      const double ag = fwhm * std::sqrt(std::numbers::pi / (4 * kLn2)), al = std::numbers::pi * fwhm / 2;
      const double norm = (1 - f) * ag + f * al;
      for (double e : x) {
        const double u = (e - pos) / fwhm;
        y.push_back(area / norm * ((1 - f) * std::exp(-4 * kLn2 * u * u) + f / (1 + 4 * u * u)));
      }
      return y;
    }
    case Shape::voigt: {
      const VoigtWidths vw = voigt_widths(s.m, fwhm);
      if (vw.lorentzian) {
        for (double e : x) {
          const double u = (e - pos) / fwhm;
          y.push_back(area * 2 / (std::numbers::pi * fwhm) / (1 + 4 * u * u));
        }
        return y;
      }
      const double sigma = vw.sigma, gamma = vw.gamma;
      for (double e : x) {
        const std::complex<double> z((e - pos) / (sigma * std::numbers::sqrt2), gamma / (sigma * std::numbers::sqrt2));
        y.push_back(area * faddeeva(z).real() / (sigma * std::sqrt(2 * std::numbers::pi)));
      }
      return y;
    }
    case Shape::lorentzian_asymmetric:
      return asymmetric(s, x, pos, fwhm, area);
  }
  return y;
}

bool has_analytic_slope(const LineShape& s) { return s.kind != Shape::lorentzian_asymmetric; }

bool peak_profile_and_slope(const LineShape& s, const std::vector<double>& x, double pos, double fwhm, double area, std::vector<double>& y,
                            std::vector<double>& dydx) {
  y.clear();
  dydx.clear();
  if (!has_analytic_slope(s)) return false;
  check_width(fwhm);
  const std::size_t n = x.size();
  y.resize(n);
  dydx.resize(n);
  switch (s.kind) {
    case Shape::gl_product: {
      // g(u) = exp(-a u^2) / (1 + b u^2), g'(u) = -2 u g (a + b / (1 + b u^2)).
      const double f = s.m / 100, a = 4 * kLn2 * (1 - f), b = 4 * f;
      const double h = area / (gl_product_area(s.m) * fwhm);
      for (std::size_t i = 0; i < n; ++i) {
        const double u = (x[i] - pos) / fwhm, q = 1 + b * u * u;
        const double g = std::exp(-a * u * u) / q;
        y[i] = h * g;
        dydx[i] = h * (-2 * u * g * (a + b / q)) / fwhm;
      }
      return true;
    }
    case Shape::gl_sum: {
      const double f = s.m / 100;
      const double ag = fwhm * std::sqrt(std::numbers::pi / (4 * kLn2)), al = std::numbers::pi * fwhm / 2;
      const double k = area / ((1 - f) * ag + f * al);
      for (std::size_t i = 0; i < n; ++i) {
        const double u = (x[i] - pos) / fwhm, q = 1 + 4 * u * u;
        const double e = std::exp(-4 * kLn2 * u * u);
        y[i] = k * ((1 - f) * e + f / q);
        dydx[i] = k * ((1 - f) * (-8 * kLn2 * u) * e - f * 8 * u / (q * q)) / fwhm;
      }
      return true;
    }
    case Shape::voigt: {
      const VoigtWidths vw = voigt_widths(s.m, fwhm);
      if (vw.lorentzian) {
        const double k = area * 2 / (std::numbers::pi * fwhm);
        for (std::size_t i = 0; i < n; ++i) {
          const double u = (x[i] - pos) / fwhm, q = 1 + 4 * u * u;
          y[i] = k / q;
          dydx[i] = -k * 8 * u / (q * q) / fwhm;
        }
        return true;
      }
      // V = area Re w(z) / (sigma sqrt(2 pi)), z = (x - pos + i gamma) / (sigma sqrt 2);
      // w'(z) = -2 z w(z) + 2 i / sqrt(pi).
      const double sigma = vw.sigma, gamma = vw.gamma;
      const double k = area / (sigma * std::sqrt(2 * std::numbers::pi)), dz = 1 / (sigma * std::numbers::sqrt2);
      const std::complex<double> two_i_over_sqrt_pi(0, 2 / std::sqrt(std::numbers::pi));
      for (std::size_t i = 0; i < n; ++i) {
        const std::complex<double> z((x[i] - pos) * dz, gamma * dz);
        const std::complex<double> w = faddeeva(z);
        y[i] = k * w.real();
        dydx[i] = k * (-2.0 * z * w + two_i_over_sqrt_pi).real() * dz;
      }
      return true;
    }
    case Shape::lorentzian_asymmetric:
      break;
  }
  return false;
}

}  // namespace castor::xps
