// Many cells at once: the cycling evaluation of every file of a folder, a glob or a list,
// in parallel on all cores, one summary row per cell and one long table of cycles across
// cells. A file that cannot be read or analysed is recorded with its error; the batch goes
// on. A cells table (castor's journal, as cellpy keeps one) names each cell and gives its
// mass, loading and area, formula, ion and notes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "castor/cycling/cycling.h"
#include "castor/report/report.h"

namespace castor::cycling {

// One row of a cells table (CSV with a header; columns in any order, unknown ones kept in
// notes): cell_id, files (file-name patterns with * and ?, separated by ';'; a pattern with a
// '/' is matched against the whole path), and optionally mass_mg, loading_mg_cm2 with
// area_cm2, formula, ion, notes.
struct CellEntry {
  std::string cell_id;
  std::vector<std::string> patterns;
  std::optional<double> mass_mg, loading_mg_cm2, area_cm2;
  std::string formula, ion, notes;
  std::size_t line = 0;  // in the cells table
};

// Reads a cells table; throws castor::Error naming the file and the line for a row without
// cell_id or files, a number that is not one, a loading without an area, or an unknown file.
std::vector<CellEntry> read_cells_table(const std::filesystem::path& path);
// The entry whose patterns match the file (first match in table order); nullptr when none.
const CellEntry* match_cell(const std::vector<CellEntry>& cells, const std::filesystem::path& file);

// The files a batch reads from command-line arguments: a file as given; a folder, every
// file under it (recursively, sorted) whose content castor recognises as a cycler table
// (the others are listed in `skipped`); a glob (* ? [..]) expanded. Throws castor::Error
// (usage) for an argument that matches nothing.
struct BatchInputs {
  std::vector<std::filesystem::path> files;
  std::vector<std::string> skipped;  // "path: why"
};
BatchInputs expand_batch_inputs(const std::vector<std::string>& arguments);

struct BatchOptions {
  CyclingOptions cycling;           // applied to every file (its mass: the default for cells without one)
  std::vector<CellEntry> cells;     // the journal; empty: cell id = file stem, mass from the options or the file
  bool require_cell_entry = false;  // a file no entry matches is an error for that file
  unsigned threads = 0;             // 0: all cores
  std::function<void(std::size_t done, std::size_t total)> progress;  // called from one thread at a time
};

struct BatchCell {
  std::string file;
  std::string cell_id;
  std::string format, instrument, channel;
  std::optional<CellEntry> entry;  // the cells-table row that matched
  std::optional<CyclingResult> result;
  std::string error;  // why this file gave no result (the castor::Error message)
  int error_exit_status = 0;
};

struct BatchResult {
  std::vector<BatchCell> cells;  // in the order of the inputs
  std::vector<std::string> skipped;
  std::size_t failed() const;
};

// Reads and analyses every file; never throws for one file's failure.
BatchResult run_batch(const std::vector<std::filesystem::path>& files, const BatchOptions& options);
// The cells of one file: the same evaluation as run_batch, for one file (what a Dask task runs).
BatchCell analyse_cell(const std::filesystem::path& file, const BatchOptions& options);

// Tables "cells" (file, cell_id, format, instrument, channel, mass, how the mass was given,
// cycles, first and last discharge capacity in mAh and mAh/g, first and last CE, retention,
// warnings, error) and "cycles" (the per-cycle table of every cell, long form, with the
// cell id and file). Warnings: one per failed file.
report::Report to_report(const BatchResult& result);

}  // namespace castor::cycling
