// `castor report`: one self-contained HTML page for a cell or a batch of cells. Each file is
// read and given the analyses that apply to it: cycling (summary values, the per-cycle
// table, capacity and CE against cycle, voltage profiles, dQ/dV of the first complete
// cycle), cyclic voltammetry (a table whose steps are sweeps: peaks and the
// voltammogram), impedance (Nyquist, Bode, the Lin-KK check) and, when the options give
// the material (formula, particle radius), GITT. For several files the page opens with
// the batch: a sortable table of cells and capacity and CE against cycle for all of them.
// A file castor cannot evaluate gets a section with its error; the page is still written.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "castor/cycling/batch.h"
#include "castor/report/html.h"

namespace castor::report {

struct CellReportOptions {
  cycling::BatchOptions batch;  // cycling options (mass), the cells table, threads
  // GITT, where the file is a titration: both needed (else no GITT section).
  std::string gitt_formula;
  double gitt_radius_nm = 0;
  std::string ion = "Li";
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// The page for these files (expand them first with cycling::expand_batch_inputs; impedance
// files named directly are read as spectra). Throws castor::Error only for no file at all.
HtmlPage cell_report(const std::vector<std::filesystem::path>& files, const CellReportOptions& options);

}  // namespace castor::report
