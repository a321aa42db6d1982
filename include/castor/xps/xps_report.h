// An XPS region fit from a request (what the command line asks for) to results as data:
// charge correction, background, starting components, the fit, oxidation states and the
// inserted ions, its report and its figure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "castor/report/gnuplot.h"
#include "castor/report/report.h"
#include "castor/xps/lineshape.h"
#include "castor/xps/read_xps.h"
#include "castor/xps/xps.h"

namespace castor::xps {

struct RegionFitRequest {
  std::vector<double> positions_eV;  // starting binding energies, one per component (required)
  std::vector<std::string> names;    // default C1, C2, ...
  LineShape shape;                   // GL(30) unless set
  double fwhm_eV = 1.2;              // starting FWHM
  double doublet_splitting_eV = 0;   // 0: singlets
  double doublet_area_ratio = 0.5, doublet_fwhm_factor = 1.0;
  bool common_width = false;
  std::string background = "shirley";  // shirley, tougaard or linear
  Tougaard tougaard;
  double from_eV = 0, to_eV = 0;  // window (to > from), else the whole region
  // Charge correction: the maximum of this block moves to charge_reference_eV.
  std::string charge_block;
  double charge_reference_eV = 284.8;
  FitSettings settings;
  // Oxidation states of the components (one each), and with redox atoms per formula unit
  // and the inserted ion's charge, the inserted ions per formula unit.
  std::vector<double> states;
  double redox_atoms = 0;
  int ion_charge = 0;
};

struct RegionFitRun {
  std::string source, block;
  Region region;  // after charge correction and cropping
  std::vector<double> background;
  std::string background_text;  // "Tougaard B = 551 eV^2 (meets the high-BE end)", ...
  std::string charge_text;      // "charge correction: C 1s maximum 285.10 eV -> 284.80 eV" or empty
  RegionFit fit;
  std::vector<double> fractions;
  std::optional<double> average_state, reduced_fraction, inserted_ions;
};

// The block named `block` (its id, region name, species, or number from 1); the only block
// when `block` is empty and the file has one. Throws castor::Error naming the file.
const XpsBlock& pick_block(const std::vector<XpsBlock>& blocks, const std::string& block, const std::string& file);

// Starting components: the request's positions with the background-subtracted area shared
// equally, its shape, width, doublets and width group.
std::vector<Component> starting_components(const Region& region, const std::vector<double>& background, const RegionFitRequest& request);

// Reads nothing: fits `block` of `blocks` as requested. Throws castor::Error (usage) for an
// empty position list or an unknown background, and what fit_region throws.
RegionFitRun fit_block(const std::vector<XpsBlock>& blocks, const std::string& block, const std::string& source,
                       const RegionFitRequest& request);

// Components (BE, FWHM and area with errors, fraction), residual, width bounds, the average
// oxidation state and inserted ions when asked, and the fit's warnings.
report::Report to_report(const RegionFitRun& run, const RegionFitRequest& request);
// Data, background, envelope and components over binding energy (high to low), warnings below.
report::Figure figure(const RegionFitRun& run);

}  // namespace castor::xps
