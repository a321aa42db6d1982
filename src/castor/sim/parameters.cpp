#include "castor/sim/parameters.h"
#include "castor/core/constants.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "castor/chem/formula.h"
#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/sim/detail/builtin_presets.h"
#include "castor/sim/detail/normal_quantile.h"

namespace castor::sim {

void CellParameters::lognormal_particles(double median, double sigma, int count) {
  if (!(median > 0) || !(sigma >= 0) || count < 1) throw Error("particles: median radius > 0, sigma_log >= 0, count >= 1");
  particles.clear();
  lognormal_median_m = median, lognormal_sigma = sigma;
  if (count == 1 || sigma == 0) {
    particles.push_back({median, 1.0});
    return;
  }
  // Equal-probability bins of the lognormal number distribution; weights by volume.
  double total = 0;
  for (int k = 0; k < count; ++k) {
    const double q = (k + 0.5) / count;
    const double r = median * std::exp(sigma * detail::normal_quantile(q));
    particles.push_back({r, r * r * r});
    total += r * r * r;
  }
  for (auto& p : particles) p.weight /= total;
}

double CellParameters::arrhenius(double ea_kJ_mol) const {
  if (ea_kJ_mol == 0 || temperature_K == reference_temperature_K) return 1.0;
  return std::exp(-ea_kJ_mol * 1e3 / constants::gas_J_mol_K * (1 / temperature_K - 1 / reference_temperature_K));
}

CellParameters preset(std::string_view name) {
  // Presets are data files (data/presets/*.toml), built into the library.
  for (const auto& [preset_name, text] : detail::builtin_presets())
    if (preset_name == name) {
      CellParameters p = parse_parameters(text, fmt::format("preset {} (data/presets/{}.toml)", preset_name, preset_name));
      p.name = std::string(preset_name);
      return p;
    }
  std::string known;
  for (const auto& [preset_name, text] : detail::builtin_presets()) known += (known.empty() ? "" : ", ") + std::string(preset_name);
  throw Error(fmt::format("unknown parameter preset '{}' (known: {})", name, known));
}

namespace {
template <class T>
T get(const toml::table& t, std::string_view key, T fallback, std::set<std::string>& seen, const std::string& where) {
  seen.insert(std::string(key));
  const auto* node = t.get(key);
  if (!node) return fallback;
  if constexpr (std::is_same_v<T, double>) {
    if (auto v = node->value<double>()) {
      if (!std::isfinite(*v)) throw Error(where, "parameters", fmt::format("key '{}' = {} is not a finite number", key, *v));
      return *v;
    }
  } else if constexpr (std::is_same_v<T, int>) {
    if (auto v = node->value<int64_t>()) {
      if (*v < -1000000000 || *v > 1000000000) throw Error(where, "parameters", fmt::format("key '{}' = {} is out of range", key, *v));
      return static_cast<int>(*v);
    }
  } else {
    if (auto v = node->value<std::string>()) return *v;
  }
  throw Error(where, "parameters", fmt::format("key '{}' has the wrong type", key));
}

void check_unknown(const toml::table& t, const std::set<std::string>& seen, const std::string& where, std::string_view section) {
  for (const auto& [k, v] : t) {
    (void)v;
    if (!seen.count(std::string(k.str()))) throw Error(where, "parameters", fmt::format("unknown key '{}' in [{}]", k.str(), section));
  }
}
}  // namespace

CellParameters parse_parameters(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(source, "parameters (TOML)", fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
  CellParameters p;
  std::set<std::string> top{"preset", "cathode", "particles", "anode", "cell", "ageing"};
  if (auto pr = root["preset"].value<std::string>()) p = preset(*pr);
  for (const auto& [k, v] : root) {
    (void)v;
    if (!top.count(std::string(k.str()))) throw Error(source, "parameters", fmt::format("unknown section or key '{}'", k.str()));
  }
  if (const auto* c = root["cell"].as_table()) {
    std::set<std::string> seen;
    p.series_resistance_ohm = get<double>(*c, "series_resistance_ohm", p.series_resistance_ohm, seen, source);
    p.electrolyte_diffusivity_m2_s =
        get<double>(*c, "electrolyte_diffusivity_cm2_s", p.electrolyte_diffusivity_m2_s * 1e4, seen, source) * 1e-4;
    p.electrolyte_concentration_mol_m3 =
        get<double>(*c, "electrolyte_concentration_M", p.electrolyte_concentration_mol_m3 * 1e-3, seen, source) * 1e3;
    p.diffusion_layer_m = get<double>(*c, "diffusion_layer_um", p.diffusion_layer_m * 1e6, seen, source) * 1e-6;
    p.temperature_K = get<double>(*c, "temperature_K", p.temperature_K, seen, source);
    p.reference_temperature_K = get<double>(*c, "reference_temperature_K", p.reference_temperature_K, seen, source);
    check_unknown(*c, seen, source, "cell");
  }
  if (const auto* c = root["cathode"].as_table()) {
    std::set<std::string> seen;
    const std::string formula = get<std::string>(*c, "formula", "", seen, source);
    if (!formula.empty()) {
      p.formula = formula;
      p.molar_mass_g_mol = chem::parse_formula(formula).molar_mass_g_mol;
    }
    const std::string ion = get<std::string>(*c, "ion", "", seen, source);
    if (!ion.empty()) p.ion_charge = chem::ion_charge(ion);
    p.capacity_mAh_g = chem::theoretical_capacity_mAh_g(p.molar_mass_g_mol, p.ion_charge);
    p.capacity_mAh_g = get<double>(*c, "capacity_mAh_g", p.capacity_mAh_g, seen, source);
    p.mass_g = get<double>(*c, "mass_mg", p.mass_g * 1e3, seen, source) * 1e-3;
    p.density_g_cm3 = get<double>(*c, "density_g_cm3", p.density_g_cm3, seen, source);
    p.e0_V = get<double>(*c, "e0_V", p.e0_V, seen, source);
    p.omega_eV = get<double>(*c, "omega_kT", p.omega_eV / p.kT_eV(), seen, source) * p.kT_eV();
    p.k0_A_m2 = get<double>(*c, "k0_A_m2", p.k0_A_m2, seen, source);
    p.k0_activation_kJ_mol = get<double>(*c, "k0_activation_kJ_mol", p.k0_activation_kJ_mol, seen, source);
    p.diffusivity_activation_kJ_mol = get<double>(*c, "diffusivity_activation_kJ_mol", p.diffusivity_activation_kJ_mol, seen, source);
    p.alpha = get<double>(*c, "alpha", p.alpha, seen, source);
    const std::string kin = get<std::string>(*c, "kinetics", "", seen, source);
    if (kin == "mhc")
      p.marcus_hush_chidsey = true;
    else if (kin == "bv")
      p.marcus_hush_chidsey = false;
    else if (!kin.empty())
      throw Error(source, "parameters", fmt::format("cathode.kinetics '{}': bv or mhc", kin));
    p.reorganization_kT = get<double>(*c, "reorganization_kT", p.reorganization_kT, seen, source);
    seen.insert("ocv_table");
    if (const auto* tab = c->get_as<toml::array>("ocv_table")) {
      p.ocv_filling.clear();
      p.ocv_V.clear();
      for (const auto& row : *tab) {
        const auto* pair = row.as_array();
        const auto y = pair && pair->size() == 2 ? pair->at(0).value<double>() : std::nullopt;
        const auto e = pair && pair->size() == 2 ? pair->at(1).value<double>() : std::nullopt;
        if (!y || !e) throw Error(source, "parameters", "cathode.ocv_table: rows [filling, volts]");
        if (!p.ocv_filling.empty() && !(*y > p.ocv_filling.back()))
          throw Error(source, "parameters", "cathode.ocv_table: fillings must increase");
        p.ocv_filling.push_back(*y);
        p.ocv_V.push_back(*e);
      }
      if (p.ocv_filling.size() < 2) throw Error(source, "parameters", "cathode.ocv_table needs at least two rows");
    }
    p.film_resistance_ohm_m2 = get<double>(*c, "film_resistance_ohm_cm2", p.film_resistance_ohm_m2 * 1e4, seen, source) * 1e-4;
    p.contact_resistance_ohm_g = get<double>(*c, "contact_resistance_ohm_g", p.contact_resistance_ohm_g, seen, source);
    p.contact_sigma_log = get<double>(*c, "contact_sigma_log", p.contact_sigma_log, seen, source);
    p.sei_resistance_ohm = get<double>(*c, "sei_resistance_ohm", p.sei_resistance_ohm, seen, source);
    p.sei_growth_ohm_per_mAh_g = get<double>(*c, "sei_growth_ohm_per_mAh_g", p.sei_growth_ohm_per_mAh_g, seen, source);
    p.sei_capacitance_F = get<double>(*c, "sei_capacitance_uF", p.sei_capacitance_F * 1e6, seen, source) * 1e-6;
    p.double_layer_F_m2 = get<double>(*c, "double_layer_uF_cm2", p.double_layer_F_m2 * 1e2, seen, source) * 1e-2;
    const std::string model = get<std::string>(*c, "model", "", seen, source);
    if (model == "homogeneous")
      p.model = ParticleModel::homogeneous;
    else if (model == "diffusion")
      p.model = ParticleModel::diffusion;
    else if (model == "cahn-hilliard")
      p.model = ParticleModel::cahn_hilliard;
    else if (!model.empty())
      throw Error(source, "parameters", fmt::format("cathode.model '{}': homogeneous, diffusion or cahn-hilliard", model));
    p.interface_width_nm = get<double>(*c, "interface_width_nm", p.interface_width_nm, seen, source);
    p.mesh_ratio = get<double>(*c, "mesh_ratio", p.mesh_ratio, seen, source);
    p.volumes = get<int>(*c, "volumes", p.volumes, seen, source);
    p.diffusivity_m2_s = get<double>(*c, "diffusivity_cm2_s", p.diffusivity_m2_s * 1e4, seen, source) * 1e-4;
    p.initial_filling = get<double>(*c, "initial_filling", p.initial_filling, seen, source);
    p.active_fraction = get<double>(*c, "active_fraction", p.active_fraction, seen, source);
    check_unknown(*c, seen, source, "cathode");
  }
  if (const auto* t = root["particles"].as_table()) {
    std::set<std::string> seen;
    seen.insert("radii_nm");
    seen.insert("weights");
    if (const auto* radii = t->get_as<toml::array>("radii_nm")) {
      p.particles.clear();
      const auto* w = t->get_as<toml::array>("weights");
      if (w && w->size() != radii->size()) throw Error(source, "parameters", "particles.weights must have one entry per radius");
      double total = 0;
      for (std::size_t k = 0; k < radii->size(); ++k) {
        const auto r = radii->at(k).value<double>();
        const double wt = w ? w->at(k).value<double>().value_or(-1) : 1.0;
        if (!r || !(*r > 0) || !std::isfinite(*r) || !(wt > 0) || !std::isfinite(wt))
          throw Error(source, "parameters", "particles: radii_nm and weights must be positive numbers");
        p.particles.push_back({*r * 1e-9, wt});
        p.lognormal_median_m = p.lognormal_sigma = 0;
        total += wt;
      }
      for (auto& g : p.particles) g.weight /= total;
    } else {
      const double r = get<double>(*t, "radius_nm", 0, seen, source);
      const double s = get<double>(*t, "sigma_log", 0, seen, source);
      const int n = get<int>(*t, "count", 1, seen, source);
      if (n < 1 || n > 10000) throw Error(source, "parameters", fmt::format("particles.count = {} must be 1 to 10000", n));
      if (t->get("radius_nm") && !(r > 0 && r <= 1e6))
        throw Error(source, "parameters", fmt::format("particles.radius_nm = {} must be in (0, 1e6] nm", r));
      if (!(s >= 0 && s <= 3)) throw Error(source, "parameters", fmt::format("particles.sigma_log = {} must be in [0, 3]", s));
      if (r > 0) p.lognormal_particles(r * 1e-9, s, n);
    }
    seen.insert("radius_nm");
    seen.insert("sigma_log");
    seen.insert("count");
    check_unknown(*t, seen, source, "particles");
  }
  if (const auto* a = root["anode"].as_table()) {
    std::set<std::string> seen;
    p.anode_k0_A_m2 = get<double>(*a, "k0_A_m2", p.anode_k0_A_m2, seen, source);
    p.anode_alpha = get<double>(*a, "alpha", p.anode_alpha, seen, source);
    p.anode_area_m2 = get<double>(*a, "area_cm2", p.anode_area_m2 * 1e4, seen, source) * 1e-4;
    p.anode_plating_overpotential_V = get<double>(*a, "plating_overpotential_V", p.anode_plating_overpotential_V, seen, source);
    p.anode_resistance_ohm_m2 = get<double>(*a, "resistance_ohm_cm2", p.anode_resistance_ohm_m2 * 1e4, seen, source) * 1e-4;
    p.anode_activation_kJ_mol = get<double>(*a, "activation_kJ_mol", p.anode_activation_kJ_mol, seen, source);
    const std::string kind = get<std::string>(*a, "kind", "", seen, source);
    if (kind == "capacitor")
      p.counter_is_capacitor = true;
    else if (kind == "metal")
      p.counter_is_capacitor = false;
    else if (!kind.empty())
      throw Error(source, "parameters", fmt::format("anode.kind '{}': metal or capacitor", kind));
    p.counter_capacitance_F = get<double>(*a, "capacitance_F", p.counter_capacitance_F, seen, source);
    p.counter_initial_V = get<double>(*a, "initial_potential_V", p.counter_initial_V, seen, source);
    check_unknown(*a, seen, source, "anode");
  }
  if (const auto* g = root["ageing"].as_table()) {
    std::set<std::string> seen;
    p.activation_per_cycle = get<double>(*g, "activation_per_cycle", p.activation_per_cycle, seen, source);
    p.trapping_per_cycle = get<double>(*g, "trapping_per_cycle", p.trapping_per_cycle, seen, source);
    p.side_i0_A_g = get<double>(*g, "side_i0_mA_g", p.side_i0_A_g * 1e3, seen, source) * 1e-3;
    p.side_tafel_V = get<double>(*g, "side_tafel_mV", p.side_tafel_V * 1e3, seen, source) * 1e-3;
    p.side_e0_V = get<double>(*g, "side_e0_V", p.side_e0_V, seen, source);
    p.side_decay_per_cycle = get<double>(*g, "side_decay_per_cycle", p.side_decay_per_cycle, seen, source);
    p.side_passivation_mAh_g = get<double>(*g, "side_passivation_mAh_g", p.side_passivation_mAh_g, seen, source);
    p.side_activation_kJ_mol = get<double>(*g, "side_activation_kJ_mol", p.side_activation_kJ_mol, seen, source);
    check_unknown(*g, seen, source, "ageing");
  }
  if (p.model == ParticleModel::homogeneous) p.volumes = 1;
  validate(p, source);
  return p;
}

void validate(const CellParameters& p, const std::string& source) {
  auto fail = [&](const std::string& key, const std::string& what) { throw Error(source, "parameters", fmt::format("{} {}", key, what)); };
  auto positive = [&](const std::string& key, double v, double shown) {
    if (!(v > 0 && std::isfinite(v))) fail(key, fmt::format("= {} must be a positive finite number", shown));
  };
  auto non_negative = [&](const std::string& key, double v, double shown) {
    if (!(v >= 0 && std::isfinite(v))) fail(key, fmt::format("= {} must be a finite number >= 0", shown));
  };
  auto within = [&](const std::string& key, double v, double lo, double hi, const std::string& why) {
    if (!(v >= lo && v <= hi)) fail(key, fmt::format("= {} must be in [{}, {}] ({})", v, lo, hi, why));
  };
  within("cell.temperature_K", p.temperature_K, 150, 500, "K");
  if (p.ion_charge < 1 || p.ion_charge > 3) fail("cathode.ion", fmt::format("charge {} must be 1, 2 or 3", p.ion_charge));
  positive("cathode.formula (molar mass g/mol)", p.molar_mass_g_mol, p.molar_mass_g_mol);
  positive("cathode.capacity_mAh_g", p.capacity_mAh_g, p.capacity_mAh_g);
  positive("cathode.mass_mg", p.mass_g, p.mass_g * 1e3);
  positive("cathode.density_g_cm3", p.density_g_cm3, p.density_g_cm3);
  within("cathode.e0_V", p.e0_V, -5, 10, "V against the metal");
  within("cathode.omega_kT", p.omega_eV / p.kT_eV(), -20, 20, "kT per site; above 2 the material separates into two phases");
  positive("cathode.k0_A_m2", p.k0_A_m2, p.k0_A_m2);
  if (!(p.alpha > 0 && p.alpha < 1)) fail("cathode.alpha", fmt::format("= {} must be in (0, 1)", p.alpha));
  positive("cathode.reorganization_kT", p.reorganization_kT, p.reorganization_kT);
  non_negative("cathode.film_resistance_ohm_cm2", p.film_resistance_ohm_m2, p.film_resistance_ohm_m2 * 1e4);
  non_negative("cathode.contact_resistance_ohm_g", p.contact_resistance_ohm_g, p.contact_resistance_ohm_g);
  within("cathode.contact_sigma_log", p.contact_sigma_log, 0, 5, "lognormal spread");
  non_negative("cathode.sei_resistance_ohm", p.sei_resistance_ohm, p.sei_resistance_ohm);
  non_negative("cathode.sei_growth_ohm_per_mAh_g", p.sei_growth_ohm_per_mAh_g, p.sei_growth_ohm_per_mAh_g);
  non_negative("cathode.sei_capacitance_uF", p.sei_capacitance_F, p.sei_capacitance_F * 1e6);
  if ((p.sei_growth_ohm_per_mAh_g > 0 || p.sei_capacitance_F > 0 || p.sei_resistance_ohm > 0) &&
      !(p.sei_resistance_ohm > 0 && p.sei_capacitance_F > 0))
    fail("cathode.sei_resistance_ohm",
         "and cathode.sei_capacitance_uF must both be > 0 for a film (its initial resistance and capacitance)");
  non_negative("cathode.double_layer_uF_cm2", p.double_layer_F_m2, p.double_layer_F_m2 * 1e2);
  if (p.model != ParticleModel::homogeneous) positive("cathode.diffusivity_cm2_s", p.diffusivity_m2_s, p.diffusivity_m2_s * 1e4);
  if (p.volumes < 1 || p.volumes > 1000) fail("cathode.volumes", fmt::format("= {} must be 1 to 1000", p.volumes));
  if (p.model == ParticleModel::diffusion && p.ocv_filling.empty() && p.omega_eV >= 2 * p.kT_eV())
    fail("cathode.omega_kT", fmt::format("= {:.3g} with model 'diffusion': above 2 kT the thermodynamic factor turns negative "
                                         "(uphill diffusion) and Fick's law is ill-posed; use model 'cahn-hilliard'",
                                         p.omega_eV / p.kT_eV()));
  if (p.model == ParticleModel::cahn_hilliard && !p.ocv_filling.empty())
    fail("cathode.model", "cahn-hilliard needs the regular solution (omega), not an ocv_table");
  positive("cathode.interface_width_nm", p.interface_width_nm, p.interface_width_nm);
  within("cathode.mesh_ratio", p.mesh_ratio, 0.5, 2, "thickness ratio of neighbouring volumes");
  if (!(p.initial_filling > 0 && p.initial_filling < 1))
    fail("cathode.initial_filling", fmt::format("= {} must be in (0, 1)", p.initial_filling));
  if (!(p.active_fraction > 0 && p.active_fraction <= 1))
    fail("cathode.active_fraction", fmt::format("= {} must be in (0, 1]", p.active_fraction));
  for (std::size_t k = 0; k < p.ocv_V.size(); ++k)
    if (!std::isfinite(p.ocv_V[k]) || !std::isfinite(p.ocv_filling[k]) || !(p.ocv_filling[k] >= 0 && p.ocv_filling[k] <= 1))
      fail("cathode.ocv_table", fmt::format("row {}: fillings in [0, 1] and finite volts", k + 1));
  if (p.particles.empty()) fail("[particles]", "no particles: give radius_nm (and sigma_log, count) or radii_nm");
  if (p.particles.size() > 10000) fail("particles.count", fmt::format("= {} groups: at most 10000", p.particles.size()));
  double total = 0;
  for (const auto& g : p.particles) {
    if (!(g.radius_m > 0 && g.radius_m <= 1e-3))
      fail("particles.radius_nm", fmt::format("= {} nm must be in (0, 1e6] nm", g.radius_m * 1e9));
    if (!(g.weight > 0 && std::isfinite(g.weight))) fail("particles.weights", "must be positive finite numbers");
    total += g.weight;
  }
  if (!(std::fabs(total - 1) < 1e-9)) fail("particles.weights", fmt::format("sum to {} instead of 1", total));
  if (p.particles.size() * static_cast<std::size_t>(p.volumes + 1) > 200000)
    fail("particles.count x cathode.volumes", fmt::format("= {} x {}: more than 200000 unknowns", p.particles.size(), p.volumes));
  positive("anode.k0_A_m2", p.anode_k0_A_m2, p.anode_k0_A_m2);
  if (!(p.anode_alpha > 0 && p.anode_alpha < 1)) fail("anode.alpha", fmt::format("= {} must be in (0, 1)", p.anode_alpha));
  positive("anode.area_cm2", p.anode_area_m2, p.anode_area_m2 * 1e4);
  non_negative("cell.series_resistance_ohm", p.series_resistance_ohm, p.series_resistance_ohm);
  non_negative("cell.electrolyte_diffusivity_cm2_s", p.electrolyte_diffusivity_m2_s, p.electrolyte_diffusivity_m2_s * 1e4);
  if (p.electrolyte_diffusivity_m2_s > 0) {
    positive("cell.electrolyte_concentration_M", p.electrolyte_concentration_mol_m3, p.electrolyte_concentration_mol_m3 * 1e-3);
    positive("cell.diffusion_layer_um", p.diffusion_layer_m, p.diffusion_layer_m * 1e6);
  }
  within("cell.reference_temperature_K", p.reference_temperature_K, 150, 500, "K");
  within("cathode.k0_activation_kJ_mol", p.k0_activation_kJ_mol, 0, 300, "kJ/mol");
  within("cathode.diffusivity_activation_kJ_mol", p.diffusivity_activation_kJ_mol, 0, 300, "kJ/mol");
  within("ageing.side_activation_kJ_mol", p.side_activation_kJ_mol, 0, 300, "kJ/mol");
  within("anode.activation_kJ_mol", p.anode_activation_kJ_mol, 0, 300, "kJ/mol");
  within("anode.plating_overpotential_V", p.anode_plating_overpotential_V, 0, 2, "V");
  if (p.counter_is_capacitor) {
    positive("anode.capacitance_F", p.counter_capacitance_F, p.counter_capacitance_F);
    within("anode.initial_potential_V", p.counter_initial_V, -5, 10, "V against the reference");
  }
  non_negative("anode.resistance_ohm_cm2", p.anode_resistance_ohm_m2, p.anode_resistance_ohm_m2 * 1e4);
  non_negative("ageing.activation_per_cycle", p.activation_per_cycle, p.activation_per_cycle);
  within("ageing.trapping_per_cycle", p.trapping_per_cycle, 0, 0.5, "fraction of the material per cycle");
  non_negative("ageing.side_i0_mA_g", p.side_i0_A_g, p.side_i0_A_g * 1e3);
  positive("ageing.side_tafel_mV", p.side_tafel_V, p.side_tafel_V * 1e3);
  within("ageing.side_tafel_mV", p.side_tafel_V * 1e3, 1, 1000, "mV per e-fold");
  within("ageing.side_e0_V", p.side_e0_V, -5, 10, "V against the metal");
  non_negative("ageing.side_passivation_mAh_g", p.side_passivation_mAh_g, p.side_passivation_mAh_g);
  if (!(p.side_decay_per_cycle > 0 && p.side_decay_per_cycle <= 1))
    fail("ageing.side_decay_per_cycle", fmt::format("= {} must be in (0, 1]", p.side_decay_per_cycle));
}

CellParameters load_parameters(const std::filesystem::path& path) {
  const std::string text = io::read_nonempty_file(path, "parameters");
  return parse_parameters(text, path.string());
}

}  // namespace castor::sim
