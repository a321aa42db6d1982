#include "materials_commands.h"

#include <filesystem>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/chem/recipe.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/eds/eds.h"
#include "castor/report/gnuplot.h"
#include "strict.h"

namespace castor::cli {
namespace {

// "FORMULA=MASS g" or "FORMULA=MASS mg".
chem::Reagent reagent_of(const std::string& s) {
  const auto eq = s.find('=');
  if (eq == std::string::npos) throw Error(fmt::format("--reagent '{}': expected FORMULA=MASS g", s));
  chem::Reagent r;
  r.formula = s.substr(0, eq);
  std::string rest = s.substr(eq + 1);
  double scale = 1;
  if (rest.ends_with("mg"))
    scale = 1e-3, rest.resize(rest.size() - 2);
  else if (rest.ends_with("g"))
    rest.resize(rest.size() - 1);
  r.mass_g = parse_number(rest, fmt::format("--reagent '{}': the mass", s)) * scale;
  if (!(r.mass_g > 0)) throw Error(fmt::format("--reagent '{}': the mass must be positive", s));
  return r;
}

struct RecipeFlags {
  std::string product;
  std::vector<std::string> reagents;
  double additive_g = 0, target_wt = 0;
};

void run_recipe(const RecipeFlags& f) {
  std::vector<chem::Reagent> rs;
  for (const auto& s : f.reagents) rs.push_back(reagent_of(s));
  const auto r = chem::evaluate_recipe(f.product, rs, f.additive_g);
  fmt::print("product {} (M = {:.2f} g/mol)\n\n{:<16} {:>10} {:>10} {:>12}\n", r.product.text, r.product.molar_mass_g_mol, "reagent",
             "mass g", "mmol", "M g/mol");
  for (std::size_t k = 0; k < rs.size(); ++k)
    fmt::print("{:<16} {:>10.4f} {:>10.4f} {:>12.2f}\n", rs[k].formula, rs[k].mass_g, r.reagent_mmol[k],
               chem::parse_formula(rs[k].formula).molar_mass_g_mol);
  fmt::print("\nelement ratios (per formula unit of the product):");
  for (const auto& [e, n] : r.product.elements) {
    const auto it = r.element_mmol.find(e);
    if (it == r.element_mmol.end() || !r.excess_mmol.count(e)) continue;
    fmt::print("  {} {:.3f}", e, it->second / r.product_mmol);
  }
  fmt::print("\nlimiting element {}: {:.4f} mmol -> {:.4f} g {}\n", r.limiting_element, r.product_mmol, r.product_g, r.product.text);
  for (const auto& [e, g] : r.product_g_by_element) fmt::print("  if {} set the yield: {:.4f} g\n", e, g);
  if (f.additive_g > 0) fmt::print("additive {:.4f} g -> {:.1f} wt% of the composite\n", f.additive_g, 100 * r.additive_wt_fraction);
  if (f.target_wt > 0)
    fmt::print("for {:.1f} wt% additive weigh {:.4f} g\n", f.target_wt, chem::additive_for_fraction(r.product_g, f.target_wt / 100));
}

struct EdsFlags {
  std::string file, reference = "Ti", plot;
  std::vector<std::string> elements = {"Na", "P", "Ca", "Ti"};
  std::vector<std::string> k;
  double fwhm_keV = 0.13;
  bool strict = false;
};

void run_eds(const EdsFlags& f) {
  const auto s = eds::read_eds(f.file);
  eds::EdsOptions o;
  o.fwhm_keV = f.fwhm_keV;
  const auto areas = eds::peak_areas(s, f.elements, o);
  const auto ratios = eds::ratios_to(areas, f.reference);
  std::map<std::string, double> k;
  for (const auto& kv : f.k) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("--k '{}': expected ELEMENT=VALUE", kv));
    k[kv.substr(0, eq)] = parse_number(kv.substr(eq + 1), fmt::format("--k {}", kv.substr(0, eq)));
  }
  const auto c = eds::cliff_lorimer(areas, k);
  fmt::print("{}: {} channels, {:.3f}-{:.3f} keV\n{:<6} {:>4} {:>8} {:>12} {:>9} {:>10} {:>8} {:>8}\n", s.source, s.counts.size(),
             s.energy_keV.front(), s.energy_keV.back(), "elem", "line", "keV", "area", "+-", fmt::format("/{}", f.reference), "wt %",
             "at %");
  for (const auto& a : areas)
    fmt::print("{:<6} {:>4} {:>8.3f} {:>12.1f} {:>9.1f} {:>10.4f} {:>8.2f} {:>8.2f}\n", a.element, a.line, a.energy_keV, a.area,
               a.area_error, ratios.at(a.element), 100 * c.weight_fraction.at(a.element), 100 * c.atomic_fraction.at(a.element));
  const auto warnings = eds::quantification_warnings(areas, k, f.reference, o);
  for (const auto& w : warnings) fmt::print("WARNING: {}\n", w);
  if (!f.plot.empty()) {
    report::Figure fig;
    fig.title = "EDS - " + std::filesystem::path(s.source).filename().string();
    fig.warnings = warnings;
    fig.xlabel = "Energy (keV)";
    fig.ylabel = "Counts";
    fig.series.push_back({"spectrum", s.energy_keV, s.counts, "lines", false});
    report::Series marks{"lines", {}, {}, "impulses lw 2", false};
    for (const auto& a : areas) {
      marks.x.push_back(a.energy_keV);
      double mx = 0;
      for (std::size_t i = 0; i < s.counts.size(); ++i)
        if (std::fabs(s.energy_keV[i] - a.energy_keV) < 0.1) mx = std::max(mx, s.counts[i]);
      marks.y.push_back(mx);
    }
    fig.series.push_back(marks);
    report::draw(fig, f.plot);
  }
  refuse_if_strict(f.strict, warnings, f.file, "EDS");
}

}  // namespace

void add_materials_commands(CLI::App& app) {
  auto r = std::make_shared<RecipeFlags>();
  auto* rc = app.add_subcommand("recipe", "Synthesis stoichiometry: product mass, ratios, limiting element, composite wt%");
  rc->add_option("--product", r->product, "target product, e.g. 'NaTi2(PO4)3'")->required();
  rc->add_option("--reagent", r->reagents, "FORMULA=MASS g (repeatable), e.g. CH3COONa=0.1016g")->required();
  rc->add_option("--additive-g", r->additive_g, "inert additive (e.g. CNT) in g");
  rc->add_option("--target-wt", r->target_wt, "additive wt% wanted: prints the mass to weigh");
  rc->callback([r] { run_recipe(*r); });

  auto e = std::make_shared<EdsFlags>();
  auto* ec = app.add_subcommand("eds", "EDS: line areas, ratios to a reference element, Cliff-Lorimer composition");
  ec->add_option("FILE", e->file, "EMSA/MSA or two-column spectrum")->required();
  ec->add_option("--elements", e->elements, "elements (Ka), or 'Ca Kb'")->capture_default_str();
  ec->add_option("--reference", e->reference, "ratios normalised to this element")->capture_default_str();
  ec->add_option("--k", e->k, "Cliff-Lorimer k-factors ELEMENT=VALUE (reference 1)");
  ec->add_option("--fwhm-keV", e->fwhm_keV, "detector resolution")->capture_default_str();
  ec->add_option("--plot", e->plot, "spectrum with the lines marked (.png, .pdf or .svg)");
  ec->add_flag("--strict", e->strict,
               "treat warnings (a line not detected, overlapping lines, missing k-factors) as errors (exit status 2)");
  ec->callback([e] { run_eds(*e); });
}

}  // namespace castor::cli
