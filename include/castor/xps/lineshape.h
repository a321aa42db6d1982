// XPS line shapes as CasaXPS users write them:
//   GL(m)   Gaussian-Lorentzian product, m = Lorentzian share in %   (GL(0) Gaussian, GL(100) Lorentzian)
//   SGL(m)  Gaussian-Lorentzian sum with the same FWHM
//   V(m)    Voigt (exact, Faddeeva function), m = Lorentzian share of the width in %;
//           the component's FWHM is the Voigt's total FWHM (Olivero-Longbothum split)
//   LA(a,b,g)      asymmetric Lorentzian: L^a on the high-binding-energy side, L^b on the
//                  low side, L = 1/(1 + 4 u^2), u = (E - position)/FWHM, convolved with a
//                  Gaussian of FWHM g eV
//   LF(a,b,w,g)    LA with its tails damped by 1/(1 + 4 ((E - position)/w)^2), w in eV
// castor's LA/LF take the Gaussian and damping widths in eV; CasaXPS's m and w are integer
// indices (0-499) into its own tables, so a Casa LA/LF is matched by fitting g and w (see
// tests/xps). Symmetric shapes have unit area over all energies; LA/LF, whose tails need
// not be integrable, have unit area over the window they are evaluated on.
#pragma once

#include <complex>
#include <string>
#include <vector>

namespace castor::xps {

enum class Shape { gl_product, gl_sum, voigt, lorentzian_asymmetric };

struct LineShape {
  Shape kind = Shape::gl_product;
  double m = 30;               // GL, SGL: Lorentzian share %; V: Lorentzian width share %
  double alpha = 1, beta = 1;  // LA/LF tail exponents (high-BE side, low-BE side)
  double gauss_fwhm_eV = 0;    // LA/LF Gaussian broadening
  double damping_eV = 0;       // LF tail damping width; 0 = undamped (LA)
};

// "GL(30)", "SGL(30)", "V(20)", "LA(1.1,2.3,0.8)", "LF(0.54,10,20,0.8)"; throws castor::Error
// naming the text and the problem.
LineShape parse_line_shape(const std::string& text);
std::string to_string(const LineShape& s);

// Faddeeva function w(z) = exp(-z^2) erfc(-i z) for Im z >= 0 (Weideman's rational
// approximation, N = 32: relative error below 1e-12 in the upper half plane).
std::complex<double> faddeeva(std::complex<double> z);

// The profile of one peak with the given area at the energies x (any order). For LA/LF the
// area is the integral over [min x, max x].
std::vector<double> peak_profile(const LineShape& shape, const std::vector<double>& x, double position_eV, double fwhm_eV, double area);

// The profile y and its slope dy/dx (per eV) at every x, for the analytic derivatives of a
// fit. GL, SGL and V are of the form area/fwhm F((x - position)/fwhm), so the slope gives
// every parameter derivative: dy/dposition = -dy/dx, fwhm dy/dfwhm = -(y + (x - position)
// dy/dx), area dy/darea = y. Returns false (and leaves y, dydx empty) for LA/LF, whose
// Gaussian and damping widths are fixed in eV.
bool peak_profile_and_slope(const LineShape& shape, const std::vector<double>& x, double position_eV, double fwhm_eV, double area,
                            std::vector<double>& y, std::vector<double>& dydx);
// Whether peak_profile_and_slope gives the slope of this shape.
bool has_analytic_slope(const LineShape& shape);

}  // namespace castor::xps
