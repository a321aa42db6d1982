// X-ray photoelectron spectroscopy (analyses.md section 8): a region of a spectrum on a
// binding-energy axis, charge correction, backgrounds (iterative Shirley, Tougaard, linear),
// the line shapes of lineshape.h (GL, SGL, Voigt, LA/LF) as CasaXPS defines them, doublets with a
// fixed splitting and area ratio, components with linked widths, and a Ceres fit with
// uncertainties. Component fractions give the average oxidation state; for
// CaxNaTi2(PO4)3 x equals the Ti3+ fraction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "castor/xps/lineshape.h"

namespace castor::xps {

struct Region {
  std::vector<double> be_eV, counts;  // any order; castor sorts by binding energy
  std::string name, source;
};

// The points with binding energy in [lo, hi] (the background window).
Region crop(const Region& r, double lo_eV, double hi_eV);
// Charge correction: shift so that `measured_eV` moves to `reference_eV` (C 1s 284.8 eV).
Region shift(const Region& r, double measured_eV, double reference_eV = 284.8);
// Iterative Shirley background between the region's ends (each end averaged over
// `end_points` points).
std::vector<double> shirley_background(const Region& r, int end_points = 3, int iterations = 50);
std::vector<double> linear_background(const Region& r, int end_points = 3);

// Tougaard background: B(E) = y_low + B \int K(E - E') (y(E') - y_low) dE' over the points of
// lower binding energy, with y_low the mean of the low-BE end. The universal cross-section
// K(T) = B T / (C + T^2)^2 (C = 1643 eV^2) or, with D > 0, the three-parameter
// K(T) = B T / ((C - T^2)^2 + D T^2) (CasaXPS "U 3 Tougaard"), zero below the gap T0.
// B <= 0 means: choose B so that the background meets the high-BE end mean.
struct Tougaard {
  double B = 0, C = 1643, D = 0, gap_eV = 0;
  int end_points = 3;
};
std::vector<double> tougaard_background(const Region& r, const Tougaard& t);
// The B that tougaard_background used when t.B <= 0 (eV^2).
double tougaard_auto_B(const Region& r, const Tougaard& t);

struct Component {
  std::string name;
  double position_eV = 0, fwhm_eV = 1.0, area = 1.0;
  LineShape shape;  // GL(30) unless set
  // A doublet partner: second peak at position + splitting with area x ratio (2p: 0.5,
  // 3d: 2/3, 4f: 3/4) and its own width factor (Ti 2p1/2 is broader).
  std::optional<double> doublet_splitting_eV, doublet_area_ratio;
  double doublet_fwhm_factor = 1.0;
  // Constraints: a shared width group (components with the same non-empty group keep one
  // FWHM); a fixed offset from another component's position.
  std::string width_group;
  std::optional<std::size_t> position_from;  // index of the component this one follows
  // A fixed area ratio to another component (Casa's "area = A * 0.5"): area = ratio x its area.
  std::optional<std::size_t> area_from;
  double area_ratio = 1.0;
  double position_offset_eV = 0;
  bool fix_position = false, fix_width = false;
};

struct RegionFit {
  std::vector<Component> components;  // fitted values
  std::vector<double> position_error, fwhm_error, area_error;
  std::vector<double> background, envelope;
  double residual_rms = 0;
  std::vector<double> be_eV, counts;  // sorted region data
  // Widths are bounded by the region and the instrument (the larger of 1.5 energy steps and
  // the instrument's FWHM, to half the region's width); a width
  // on a bound, a position on the region's edge, or a background that crosses the data (above
  // them, or below the lower end's level, by more than 3 sigma of the counts) are said here.
  double fwhm_min_eV = 0, fwhm_max_eV = 0;
  std::vector<std::string> warnings;
};

// Where a background crosses the data: above the counts, or below the region's lower end
// level, by more than 3 sigma (sqrt counts) at more than 2 % of the points. Empty: it does not.
std::vector<std::string> background_warnings(const Region& region, const std::vector<double>& background);

// What the fit knows about the measurement.
struct FitSettings {
  // The instrument's resolution (FWHM of a line it would record infinitely narrow), eV: no
  // component is fitted narrower. 0: unknown (the lower bound is 1.5 energy steps).
  double instrument_fwhm_eV = 0;
};

// Fits the components on top of `background` (same points as the region). Throws
// castor::Error for inconsistent inputs or a failed fit, naming where each peak went. Each
// component that ended on a width or position bound, collapsed to no area, moved more than
// two widths from where it started or onto another component is a line in warnings.
RegionFit fit_region(const Region& region, std::vector<Component> components, const std::vector<double>& background,
                     const FitSettings& settings = {});

// One component (with its doublet partner) on the fit's energy grid, without background.
std::vector<double> component_curve(const RegionFit& fit, std::size_t k);

// Area fractions of the components (doublet partners included in their component).
std::vector<double> area_fractions(const RegionFit& fit);

// Average oxidation state: sum of area fraction x state (one state per component, e.g. Ti4+
// and Ti3+ give {4, 3}).
double average_oxidation_state(const RegionFit& fit, const std::vector<double>& states);

// Inserted ions per formula unit from the reduced fraction of the redox atoms: each of the
// `redox_atoms_per_formula` atoms reduced by one electron takes 1/z of an ion of charge z.
// CaxNaTi2(PO4)3 (2 Ti, Ca2+): x = Ti3+ fraction.
double ions_from_reduced_fraction(double reduced_fraction, double redox_atoms_per_formula, int ion_charge);

}  // namespace castor::xps
