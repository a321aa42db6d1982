// Parameters of the simulated cell (spec/simulator.md), in SI units unless a name says
// otherwise. Loaded from TOML files whose keys carry their units ("mass_mg", "k0_A_m2"),
// or from a named preset ("ntp-ca": the paper's NaTi2(PO4)3 | Ca cell).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "castor/core/constants.h"

namespace castor::sim {

// homogeneous: one filling per particle; diffusion: Fick's law on finite volumes;
// cahn_hilliard: flux = -(D/kT) y(1-y) grad mu with mu = kT ln(y/(1-y)) + Omega (1-2y) - kappa lap y
// (regular solution plus a gradient penalty kappa = max(Omega, kT) x interface_width^2).
enum class ParticleModel { homogeneous, diffusion, cahn_hilliard };

struct ParticleGroup {
  double radius_m = 0;
  double weight = 0;  // mass fraction of the active material in this group (sums to 1)
};

struct CellParameters {
  std::string name;
  // Cathode active material.
  std::string formula = "NaTi2(PO4)3";
  int ion_charge = 2;  // z
  double molar_mass_g_mol = 403.63;
  double capacity_mAh_g = 132.8;  // z F / (3.6 M) unless set
  double mass_g = 1.0e-3;
  double density_g_cm3 = 2.96;
  double e0_V = 1.89;     // equilibrium potential at half filling
  double omega_eV = 0.0;  // regular-solution interaction per site
  double k0_A_m2 = 1.0;   // exchange current density prefactor: i0 = k0 sqrt(y (1 - y))
  double alpha = 0.5;     // cathode transfer coefficient of reduction (insertion); 1 - alpha for oxidation
  // Kinetics: Butler-Volmer, or Marcus-Hush-Chidsey in the Zeng-Smith-Bai-Bazant form
  // (J. Electroanal. Chem. 735 (2014) 77) with reorganisation energy lambda (in kT),
  // scaled so that its slope at eta = 0 is the one of Butler-Volmer with the same i0.
  bool marcus_hush_chidsey = false;
  double reorganization_kT = 8.0;
  // Optional open-circuit curve instead of the regular solution: E(y) at increasing y,
  // interpolated linearly (and continued with the end slopes).
  std::vector<double> ocv_filling, ocv_V;
  double film_resistance_ohm_m2 = 0;  // per particle area
  // Poorly connected particles (aggregates, loose contact to the carbon network): each group
  // reaches the current collector through a contact resistance contact_resistance_ohm_g /
  // (its active mass in g), spread lognormally over the groups (sigma_log, median 1) and
  // not correlated with size. At higher currents the poorly connected groups lag, so the
  // capacity to a cut-off fades with rate. 0: every particle is perfectly wired.
  double contact_resistance_ohm_g = 0, contact_sigma_log = 0;
  // The cathode's SEI (CEI) film, between the electrode and the particles' double layer: a
  // resistance (Ohm) that grows with the side reaction's charge (Ohm per mAh/g of side
  // charge), in parallel with its capacitance (F): a mid-frequency arc in the impedance.
  // 0: no film.
  double sei_resistance_ohm = 0, sei_growth_ohm_per_mAh_g = 0, sei_capacitance_F = 0;
  // Ion supply from the electrolyte (a quasi-steady diffusion layer of thickness delta over
  // the electrode's geometric area, the anode's): limiting current z F D c A / delta.
  // 0 diffusivity: no electrolyte transport.
  double electrolyte_diffusivity_m2_s = 0, electrolyte_concentration_mol_m3 = 500, diffusion_layer_m = 30e-6;
  double double_layer_F_m2 = 0;  // per particle area (0: no capacitive current)
  ParticleModel model = ParticleModel::homogeneous;
  int volumes = 1;  // finite volumes per particle (diffusion model)
  double diffusivity_m2_s = 1e-16;
  double interface_width_nm = 1.0;       // Cahn-Hilliard: sqrt(kappa / Omega)
  double mesh_ratio = 1.0;               // each volume this times as thick as the one inside (< 1: finer at the surface)
  std::vector<ParticleGroup> particles;  // radius groups
  // Metal anode (counter and reference).
  double anode_k0_A_m2 = 10.0;
  double anode_alpha = 0.5;  // plating/stripping asymmetry
  double anode_area_m2 = 1.13e-4;
  // Cell.
  double series_resistance_ohm = 0;
  double temperature_K = 298.15;
  double initial_filling = 0.01;  // y at the start (0 = empty of the inserted ion)
  // Fraction of the active mass wired to the current collector at the start, and how it
  // changes per cycle: + activation_per_cycle x 0.5^(cycle - 2) - trapping_per_cycle.
  double active_fraction = 1.0;
  double activation_per_cycle = 0;
  // Ageing (per cycle): capacity that turns inert after each charge, and a side reaction
  // (electrolyte reduction at the cathode, Tafel) that passes charge without insertion:
  // I_side = -side_i0_A_g m exp(-(phi - side_e0_V) / side_tafel_V), scaled by
  // side_decay_per_cycle^(cycle - 1) as the surface passivates.
  double trapping_per_cycle = 0;
  double side_i0_A_g = 0, side_tafel_V = 0.05, side_e0_V = 1.87, side_decay_per_cycle = 1.0;
  // Passivation: the side reaction's rate is divided by 1 + Q_side / Q_pass, Q_side the side
  // charge passed so far (per gram of active material, mAh/g); 0 = no passivation.
  double side_passivation_mAh_g = 0;

  // Arrhenius temperature dependence: each rate is its value at reference_temperature_K
  // times exp(-Ea/R (1/T - 1/T_ref)); activation energies in kJ/mol (0: none).
  double reference_temperature_K = 298.15;
  double k0_activation_kJ_mol = 0, diffusivity_activation_kJ_mol = 0, side_activation_kJ_mol = 0, anode_activation_kJ_mol = 0;
  double arrhenius(double activation_kJ_mol) const;
  // Anode: a plating overpotential beyond Butler-Volmer (nucleation and growth of the metal,
  // V, > 0 lowers the plating potential; it rises smoothly over the first 1 % of the
  // exchange current density) and a film resistance (Ohm cm2 of anode area).
  double anode_plating_overpotential_V = 0;
  double anode_resistance_ohm_m2 = 0;
  // The counter electrode: a metal (plating and stripping, above), or a capacitor (an
  // activated-carbon counter electrode as in Na half-cells, paper Fig. S8/S9): its potential
  // vs the reference starts at counter_initial_V and falls by Q / C as the cathode gives up
  // the charge Q (its film resistance as for the metal).
  bool counter_is_capacitor = false;
  double counter_capacitance_F = 0, counter_initial_V = 0;

  double kT_eV() const { return constants::boltzmann_eV_K * temperature_K; }
  // Builds a lognormal population: `count` radius groups between the 1st and 99th
  // percentiles, weighted by volume. The median and spread are kept, so that the number of
  // groups can be changed later (a convergence check: castor simulate --groups N).
  void lognormal_particles(double median_radius_m, double sigma_log, int count);
  double lognormal_median_m = 0, lognormal_sigma = 0;  // 0: the groups were given as a list
};

// Checks every value against what it can physically be (positive masses, densities, radii,
// rate constants; transfer coefficients in (0, 1); fillings in (0, 1); bounded sizes of the
// discretisation) and throws castor::Error naming `source` and the parameter file's key.
// simulate() calls it too, so parameters built in code are checked the same way.
void validate(const CellParameters& parameters, const std::string& source);

CellParameters preset(std::string_view name);  // "ntp-ca"; throws castor::Error for unknown names
// A parameter file (TOML, the presets' layout; docs/simulator.md) read and validated; the
// text form names its source. Throws castor::Error naming the file, the line and the key.
CellParameters load_parameters(const std::filesystem::path& toml_file);
CellParameters parse_parameters(std::string_view toml_text, const std::string& source);

}  // namespace castor::sim
