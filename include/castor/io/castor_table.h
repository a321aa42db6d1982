// castor's own table files, written by `castor convert` and read back by every command:
// JSON (io::write_json's layout) and HDF5. A table survives the round trip: its common and
// raw columns with units and source names, its text columns and its metadata, warnings and
// not-read list.
//
// HDF5 layout (h5py: f["columns"][name][:], f["columns"][name].attrs["unit"]):
//   /                 attributes castor_format = "castor-table 1", castor_version, rows,
//                     source_file, format, instrument, software_version, technique,
//                     start_time, layout, active_mass_g, electrode_area_cm2 (where known)
//   /columns/<name>   float64 [rows]; attributes name, unit, source_name, role (common|raw)
//   /text_columns/<name>  variable-length UTF-8 strings [rows]; attributes name, source_name
//   /metadata         attributes: the header's other fields (metadata.extra)
//   /warnings, /not_read  variable-length UTF-8 strings
// A '/' in a column name ("Ewe/V") becomes '_' in the dataset name; the name attribute
// keeps it. Groups track creation order, so the columns come back in the table's order.
#pragma once

#include <filesystem>

#include "castor/core/table.h"
#include "castor/io/write_table.h"

namespace castor::io {

// Throws castor::Error (resource) when the file cannot be written.
void write_hdf5(const Table& table, const std::filesystem::path& path, const WriteOptions& options = {});
// Reads a file write_hdf5 wrote; throws castor::Error naming the file for any other HDF5
// file, a damaged one or a column whose length differs from rows.
Table read_castor_hdf5(const std::filesystem::path& path);
// Reads a file io::write_json wrote; throws castor::Error naming the file and the byte of
// a syntax error, or the member that is missing or of the wrong type.
Table read_castor_json(const std::filesystem::path& path);

}  // namespace castor::io
