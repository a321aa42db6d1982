// Writing the common table as CSV, JSON, HDF5 (castor/io/castor_table.h) or the Battery Data
// Alliance's BDF CSV.
#pragma once

#include <filesystem>
#include <ostream>

#include "castor/core/table.h"

namespace castor::io {

struct WriteOptions {
  bool include_raw = true;  // also write the instrument's own columns
};

void write_csv(const Table& table, std::ostream& out, const WriteOptions& options = {});
// JSON: {"metadata": {...}, "columns": [{"name","unit","source"}...], "data": {name: [..]}}
void write_json(const Table& table, std::ostream& out, const WriteOptions& options = {});
// The Battery Data Format (battery-data-alliance/battery-data-format, ontology 1.3) as CSV:
// the columns castor can place under BDF names and units ("Test Time / s", "Voltage / V",
// "Current / A" positive charging, "Cycle Count / 1", "Step Count / 1" (a new count at every
// change of the file's step), "Step Time / s", "Net Capacity / Ah" (castor's running charge),
// "Temperature T1 / degC", "Frequency / Hz", "Real Impedance / ohm", "Imaginary Impedance /
// ohm"), then, with include_raw, the file's own columns under their raw names. "Voltage / V"
// is castor's voltage_V: the working electrode against the reference (the cell voltage of a
// two-electrode cell). Throws castor::Error when the table has no time, voltage or current.
void write_bdf_csv(const Table& table, std::ostream& out, const WriteOptions& options = {});
// Picks the writer from the name: .bdf.csv BDF, .csv castor's CSV, .json JSON, .h5/.hdf5
// HDF5; throws castor::Error otherwise.
void write_table(const Table& table, const std::filesystem::path& path, const WriteOptions& options = {});

}  // namespace castor::io
