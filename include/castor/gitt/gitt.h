// Galvanostatic intermittent titration (analyses.md section 4).
//
// Pulses are found from the current: a constant-current step followed by a rest. For each
// pulse castor reports E0 (the rest voltage before), the IR step, E at the pulse end, E at
// the rest end, dEs (change of the rest-end voltage from the previous pulse) and dEt (the
// change during the pulse without the IR step), the state of charge, and D by
// Weppner-Huggins:
//   electrode form: D = 4/(pi tau) (m_B V_M / (M_B S))^2 (dEs/dEt)^2
//   sphere form:    D = 4/(pi tau) (r/3)^2 (dEs/dEt)^2
//   sqrt(t) form:   dEt / sqrt(tau) replaced by the slope of E against sqrt(t) fitted over
//                   the pulse (either geometry).
// Each pulse is checked: the formula holds only for tau << L^2/D, with L the diffusion
// length (r for a sphere, the equivalent thickness m_B V_M/(M_B S) for the electrode form),
// and when E is linear in sqrt(t) during the pulse. Pulses that fail are flagged and counted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/table.h"

namespace castor::gitt {

enum class Geometry { electrode_area, sphere };
enum class Slope { end_points, sqrt_time_fit };

struct GittOptions {
  Geometry geometry = Geometry::sphere;
  Slope slope = Slope::end_points;
  // Inputs of the chosen form.
  double mass_g = 0;                // m_B, active mass
  double molar_mass_g_mol = 0;      // M_B
  double molar_volume_cm3_mol = 0;  // V_M (electrode form)
  double area_cm2 = 0;              // S (electrode form)
  double radius_cm = 0;             // r (sphere form)
  // For SOC and x: one ion of charge z per formula unit gives theoretical capacity
  // z F / (3.6 M_B); x is the charge passed over that.
  int ion_charge = 1;
  std::optional<double> rest_current_A;  // |I| below this is rest (default: auto)
  double min_pulse_s = 1.0, min_rest_s = 1.0;
  // Validity: tau must be below this fraction of L^2/D, and E against sqrt(t) linear to r^2.
  double max_tau_fraction = 0.1;
  double min_sqrt_t_r2 = 0.98;
};

struct GittPulse {
  int index = 0;  // from 1
  Direction direction = Direction::none;
  std::size_t begin = 0, end = 0, rest_end = 0;  // rows: pulse [begin, end), rest [end, rest_end)
  double current_A = 0, tau_s = 0, rest_s = 0;
  double e0_V = 0, e_after_ir_V = 0, e_pulse_end_V = 0, e_rest_end_V = 0;
  double ir_drop_V = 0;        // E after the IR step - E0
  double overpotential_V = 0;  // E at pulse end - E at rest end
  double dEs_V = 0, dEt_V = 0;
  double dE_dsqrt_t = 0, sqrt_t_r2 = 0;  // slope (V/s^0.5) and r^2 of E against sqrt(t)
  double charge_mAh = 0, soc = 0, x = 0;
  double D_cm2_s = 0;
  double diffusion_time_s = 0;  // L^2 / D
  bool valid = true;
  std::string note;  // why not valid
};

struct GittWindow {
  Direction direction = Direction::none;
  double soc_low = 0, soc_high = 0;
  int pulses = 0, valid_pulses = 0;
  double mean_D_cm2_s = 0;      // arithmetic mean over the pulses inside the window
  double log_mean_D_cm2_s = 0;  // geometric mean
};

struct GittResult {
  std::vector<GittPulse> pulses;
  int invalid = 0;
  std::string summary;  // one paragraph, says how many pulses fail the validity check and why
  // What castor cannot stand behind, one line each (empty when every pulse is valid): shown
  // with the text, the CSV's notes, the figure and turned into errors by --strict.
  std::vector<std::string> warnings;
};

// Throws castor::Error when the table has no current/voltage or the inputs of the chosen
// form are missing.
GittResult analyse_gitt(const Table& table, const GittOptions& options);

// Mean D over the pulses of one direction whose SOC lies in [soc_low, soc_high].
GittWindow window_average(const GittResult& result, Direction direction, double soc_low, double soc_high);

// Molar volume from a unit cell: V_cell N_A / Z, in cm^3/mol (V_cell in A^3).
double molar_volume_cm3_mol(double cell_volume_Ang3, int formula_units_per_cell);
// Volume of a hexagonal cell, sqrt(3)/2 a^2 c (A^3).
double hexagonal_cell_volume_Ang3(double a_Ang, double c_Ang);

}  // namespace castor::gitt
