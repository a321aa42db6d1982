#include "castor/chem/recipe.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::chem {

RecipeResult evaluate_recipe(std::string_view product, const std::vector<Reagent>& reagents, double additive_g,
                             const std::vector<std::string>& exchanged) {
  RecipeResult r;
  r.product = parse_formula(product);
  if (reagents.empty()) throw Error("recipe: no reagents");
  for (const auto& g : reagents) {
    if (!(g.mass_g > 0)) throw Error(fmt::format("recipe: reagent {} needs a positive mass", g.formula));
    if (!(g.purity > 0 && g.purity <= 1)) throw Error(fmt::format("recipe: purity of {} must be in (0, 1]", g.formula));
    const auto f = parse_formula(g.formula);
    const double mmol = g.mass_g * g.purity / f.molar_mass_g_mol * 1e3;
    r.reagent_mmol.push_back(mmol);
    for (const auto& [e, n] : f.elements) r.element_mmol[e] += n * mmol;
  }
  r.product_mmol = std::numeric_limits<double>::infinity();
  for (const auto& [e, n] : r.product.elements) {
    if (std::find(exchanged.begin(), exchanged.end(), e) != exchanged.end()) continue;
    const auto it = r.element_mmol.find(e);
    if (it == r.element_mmol.end()) throw Error(fmt::format("recipe: no reagent brings {}, which {} needs", e, r.product.text));
    const double possible = it->second / n;
    r.product_g_by_element[e] = possible * 1e-3 * r.product.molar_mass_g_mol;
    if (possible < r.product_mmol) r.product_mmol = possible, r.limiting_element = e;
  }
  if (!std::isfinite(r.product_mmol)) throw Error(fmt::format("recipe: {} has only exchanged elements", r.product.text));
  r.product_g = r.product_mmol * 1e-3 * r.product.molar_mass_g_mol;
  for (const auto& [e, n] : r.product.elements) {
    if (std::find(exchanged.begin(), exchanged.end(), e) != exchanged.end()) continue;
    r.excess_mmol[e] = r.element_mmol[e] - n * r.product_mmol;
  }
  r.additive_g = additive_g;
  r.additive_wt_fraction = additive_g > 0 ? additive_g / (additive_g + r.product_g) : 0;
  return r;
}

double additive_for_fraction(double product_g, double fraction) {
  if (!(fraction >= 0 && fraction < 1)) throw Error(fmt::format("additive fraction {} must be in [0, 1)", fraction));
  return fraction * product_g / (1 - fraction);
}

std::vector<double> reagent_masses_for(std::string_view product, double product_g, const std::vector<std::string>& reagents,
                                       const std::vector<std::string>& exchanged) {
  const auto p = parse_formula(product);
  const double mmol = product_g / p.molar_mass_g_mol * 1e3;
  std::vector<double> out(reagents.size(), 0.0);
  std::vector<bool> used(reagents.size(), false);
  for (const auto& [e, n] : p.elements) {
    if (std::find(exchanged.begin(), exchanged.end(), e) != exchanged.end()) continue;
    bool found = false;
    for (std::size_t k = 0; k < reagents.size() && !found; ++k) {
      const auto f = parse_formula(reagents[k]);
      const auto it = f.elements.find(e);
      if (it == f.elements.end() || used[k]) continue;
      out[k] = n * mmol / it->second * 1e-3 * f.molar_mass_g_mol;
      used[k] = true;
      found = true;
    }
    if (!found) throw Error(fmt::format("recipe: no reagent left to bring {}", e));
  }
  return out;
}

}  // namespace castor::chem
