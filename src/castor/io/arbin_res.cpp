#include "castor/io/arbin_res.h"

#include <mdbtools.h>

#include <cmath>
#include <limits>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/text.h"

namespace castor::io {
namespace {

constexpr std::string_view kFormat = "Arbin .res";

struct Handle {
  MdbHandle* mdb = nullptr;
  ~Handle() {
    if (mdb) mdb_close(mdb);
  }
};

struct TableDef {
  MdbTableDef* def = nullptr;
  ~TableDef() {
    if (def) mdb_free_tabledef(def);
  }
};

// Reads every row of a table as text, column by column.
struct TextTable {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> cells;  // [column][row]
};

TextTable read_text_table(MdbHandle* mdb, const char* name, const std::string& file) {
  TableDef t;
  t.def = mdb_read_table_by_name(mdb, const_cast<gchar*>(name), MDB_TABLE);
  if (!t.def) throw Error(file, std::string(kFormat), fmt::format("the database has no table '{}'", name));
  if (!mdb_read_columns(t.def))
    throw Error(file, std::string(kFormat), fmt::format("cannot read the columns of '{}' (corrupted file?)", name));
  TextTable out;
  const unsigned ncol = t.def->num_cols;
  std::vector<std::unique_ptr<char[]>> buffers;
  std::vector<int> lengths(ncol);
  for (unsigned c = 0; c < ncol; ++c) {
    auto* column = static_cast<MdbColumn*>(g_ptr_array_index(t.def->columns, c));
    out.names.emplace_back(column->name);
    buffers.push_back(std::make_unique<char[]>(MDB_BIND_SIZE));
    mdb_bind_column(t.def, static_cast<int>(c + 1), buffers.back().get(), &lengths[c]);
  }
  out.cells.resize(ncol);
  mdb_rewind_table(t.def);
  while (mdb_fetch_row(t.def))
    for (unsigned c = 0; c < ncol; ++c) out.cells[c].emplace_back(buffers[c].get(), static_cast<std::size_t>(std::max(lengths[c], 0)));
  return out;
}

}  // namespace

Table read_arbin_res(const std::filesystem::path& path) {
  const std::string file = path.string();
  if (!std::filesystem::exists(path)) throw Error(file, std::string(kFormat), "no such file");
  Handle h;
  h.mdb = mdb_open(file.c_str(), MDB_NOFLAGS);
  if (!h.mdb) throw Error(file, std::string(kFormat), "not a readable Jet/Access database");
  // Jet files are whole pages (2048 B in Jet 3, 4096 B in Jet 4); libmdb reads a cut file
  // silently short, so check the size first.
  const auto size = std::filesystem::file_size(path);
  const auto page = h.mdb->fmt ? h.mdb->fmt->pg_size : 4096;
  if (page > 0 && size % page != 0)
    throw Error(file, std::string(kFormat),
                fmt::format("file size {} is not a whole number of {}-byte database pages (truncated?)", size, page));
  if (!mdb_read_catalog(h.mdb, MDB_ANY))
    throw Error(file, std::string(kFormat), "cannot read the database catalog (truncated or corrupted file?)");
  const TextTable data = read_text_table(h.mdb, "Channel_Normal_Table", file);

  Table t;
  t.meta.source_file = file;
  t.meta.format = "arbin-res";
  t.meta.instrument = "Arbin";
  const std::size_t rows = data.cells.empty() ? 0 : data.cells[0].size();
  std::vector<std::vector<double>> values(data.names.size());
  for (std::size_t c = 0; c < data.names.size(); ++c) {
    values[c].assign(rows, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t r = 0; r < rows; ++r)
      if (auto x = parse_double(data.cells[c][r])) values[c][r] = *x;
  }
  // Jet stores rows in page order, not in measurement order: sort by (Test_ID, Data_Point).
  std::vector<std::size_t> order(rows);
  for (std::size_t r = 0; r < rows; ++r) order[r] = r;
  auto column_index = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t c = 0; c < data.names.size(); ++c)
      if (data.names[c] == name) return c;
    return std::nullopt;
  };
  const auto test_id = column_index("Test_ID");
  const auto point = column_index("Data_Point");
  if (point) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (test_id && values[*test_id][a] != values[*test_id][b]) return values[*test_id][a] < values[*test_id][b];
      return values[*point][a] < values[*point][b];
    });
  }
  for (std::size_t c = 0; c < data.names.size(); ++c) {
    std::vector<double> v(rows);
    for (std::size_t r = 0; r < rows; ++r) v[r] = values[c][order[r]];
    t.add(data.names[c], "", data.names[c], ColumnRole::Raw, std::move(v));
  }
  auto copy = [&](std::string_view name, std::string_view unit, const char* src, double scale) {
    const Column* c = t.find(src);
    if (!c) return;
    std::vector<double> v = c->values;
    for (auto& x : v) x *= scale;
    t.add(name, unit, src, ColumnRole::Common, std::move(v));
  };
  copy(col::time_s, "s", "Test_Time", 1.0);
  copy(col::voltage_V, "V", "Voltage", 1.0);
  copy(col::current_A, "A", "Current", 1.0);
  copy(col::cycle, "", "Cycle_Index", 1.0);
  copy(col::step, "", "Step_Index", 1.0);
  copy(col::step_time_s, "s", "Step_Time", 1.0);
  copy(col::charge_capacity_mAh, "mAh", "Charge_Capacity", 1e3);
  copy(col::discharge_capacity_mAh, "mAh", "Discharge_Capacity", 1e3);
  copy(col::charge_energy_mWh, "mWh", "Charge_Energy", 1e3);
  copy(col::discharge_energy_mWh, "mWh", "Discharge_Energy", 1e3);
  if (!t.has(col::time_s) || !t.has(col::voltage_V) || !t.has(col::current_A))
    throw Error(file, std::string(kFormat), "Channel_Normal_Table lacks Test_Time, Voltage or Current");
  for (auto& c : t.columns()) {
    if (c.role != ColumnRole::Raw) continue;
    if (c.name.ends_with("_Time")) c.unit = "s";
    else if (c.name == "Voltage") c.unit = "V";
    else if (c.name == "Current") c.unit = "A";
    else if (c.name.ends_with("_Capacity")) c.unit = "Ah";
    else if (c.name.ends_with("_Energy")) c.unit = "Wh";
    else if (c.name == "DateTime") c.unit = "day (Excel)";
  }
  if (const Column* dt = t.find("DateTime"); dt && rows > 0 && std::isfinite(dt->values[0]))
    t.meta.start_time = format_datetime(ole_days_to_unix_s(dt->values[0]) - t.values(col::time_s)[0]);
  try {
    const TextTable global = read_text_table(h.mdb, "Global_Table", file);
    for (std::size_t c = 0; c < global.names.size(); ++c)
      if (!global.cells[c].empty() && !global.cells[c].back().empty())
        t.meta.extra["arbin." + global.names[c]] = to_utf8(global.cells[c].back());
    if (auto it = t.meta.extra.find("arbin.Schedule_File_Name"); it != t.meta.extra.end())
      t.meta.technique = "schedule " + it->second;
  } catch (const Error&) {
    // Global_Table is metadata only; its absence does not make the data unreadable.
  }
  return t;
}

}  // namespace castor::io
