// Synthesis stoichiometry (analyses.md section 10): what a recipe of weighed reagents gives
// (product mass, mole ratios, the limiting element, composite wt%), and what to weigh for
// a target. The paper's NTP recipe (paper.md) comes out as 0.4999 g NaTi2(PO4)3 and a
// 30.0 wt% CNT composite, not the intended 20 wt% (0.1250 g CNT would give that).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "castor/chem/formula.h"

namespace castor::chem {

struct Reagent {
  std::string formula;  // parsed with parse_formula
  double mass_g = 0;
  double purity = 1.0;  // mass fraction of the named compound
};

struct RecipeResult {
  Formula product;
  std::map<std::string, double> element_mmol;  // delivered by all reagents
  std::vector<double> reagent_mmol;            // per reagent, in order
  std::string limiting_element;
  double product_mmol = 0, product_g = 0;
  // Product mass (g) if each element alone set the yield: the paper's "0.4999 g" is the
  // Na basis; H3PO4 at 0.364 g limits the yield very slightly more (0.4998 g).
  std::map<std::string, double> product_g_by_element;
  // Excess of each product element beyond full conversion (mmol; 0 for the limiting one).
  std::map<std::string, double> excess_mmol;
  double additive_g = 0;
  double additive_wt_fraction = 0;  // additive / (additive + product)
};

// Elements that a product takes from the reagents: every element of the product except
// those exchanged with the surroundings (O, H, C, N by default: oxides form in air,
// organics burn off).
RecipeResult evaluate_recipe(std::string_view product, const std::vector<Reagent>& reagents, double additive_g = 0,
                             const std::vector<std::string>& exchanged = {"O", "H", "C", "N"});

// Additive mass for a target weight fraction of additive in the composite.
double additive_for_fraction(double product_g, double fraction);

// Mass of each reagent (g) that delivers `product_mmol` of the product, one reagent per
// product element (the reagent that carries it; reagents listed in any order).
std::vector<double> reagent_masses_for(std::string_view product, double product_g, const std::vector<std::string>& reagents,
                                       const std::vector<std::string>& exchanged = {"O", "H", "C", "N"});

}  // namespace castor::chem
