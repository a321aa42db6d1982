#include "castor/io/arbin_res.h"

#include <mdbtools.h>

#include <cmath>
#include <array>
#include <cstdio>
#include <limits>
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

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
  long declared_rows = -1;  // the row count in the table's definition page
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> cells;  // [column][row]
};

// A column type libmdb cannot convert (a damaged table definition) makes it print a
// warning for every row of every page it then walks (gigabytes for a 500 kB file): such a
// table is refused before any row is fetched.
void check_column_type(const MdbColumn* column, const char* table, const std::string& file) {
  const int type = column->col_type;
  if (!((type >= MDB_BOOL && type <= MDB_MEMO) || type == MDB_REPID || type == MDB_NUMERIC))
    throw Error(file, std::string(kFormat),
                fmt::format("table '{}' column '{}' has type {}, which no Jet database uses (corrupted table "
                            "definition?)",
                            table, column->name, type));
}

// The database catalog (the tables and the pages where their definitions start), read from
// the system table MSysObjects (page 2). libmdb's own mdb_read_catalog also decodes every
// object's property blob and loops for ever on a damaged one, so castor reads only the Id,
// Name and Type columns itself, with the same checks and row bound as every user table.
void read_catalog(MdbHandle* mdb, const std::string& file, std::uintmax_t file_size) {
  MdbCatalogEntry system{};
  system.mdb = mdb;
  std::snprintf(system.object_name, sizeof system.object_name, "%s", "MSysObjects");
  system.object_type = MDB_TABLE;
  system.table_pg = 2;
  TableDef t;
  t.def = mdb_read_table(&system);
  if (!t.def || !mdb_read_columns(t.def))
    throw Error(file, std::string(kFormat), "cannot read the database catalog MSysObjects (corrupted file?)");
  std::array<std::vector<char>, 3> buffers;
  std::array<int, 3> lengths{};
  const char* wanted[3] = {"Id", "Name", "Type"};
  for (std::size_t w = 0; w < 3; ++w) {
    int found = 0;
    for (unsigned c = 0; c < t.def->num_cols && !found; ++c) {
      auto* column = static_cast<MdbColumn*>(g_ptr_array_index(t.def->columns, c));
      if (std::string_view(column->name) != wanted[w]) continue;
      check_column_type(column, "MSysObjects", file);
      found = static_cast<int>(c) + 1;
    }
    if (!found)
      throw Error(file, std::string(kFormat), fmt::format("the catalog MSysObjects has no {} column (corrupted file?)", wanted[w]));
    buffers[w].assign(MDB_BIND_SIZE, '\0');
    mdb_bind_column(t.def, found, buffers[w].data(), &lengths[w]);
  }
  if (!mdb->catalog) mdb->catalog = g_ptr_array_new();
  mdb_rewind_table(t.def);
  const std::size_t max_rows = static_cast<std::size_t>(file_size / 4 + 1000);
  std::size_t rows = 0;
  while (mdb_fetch_row(t.def)) {
    if (++rows > max_rows)
      throw Error(file, std::string(kFormat), "the catalog returns more rows than the file can hold (corrupted page chain?)");
    auto text = [&](std::size_t w) { return std::string(buffers[w].data(), static_cast<std::size_t>(std::max(lengths[w], 0))); };
    const auto id = parse_double(text(0)), type = parse_double(text(2));
    if (!id || !type || *id < 0 || *id > 4294967295.0 || *type < -2147483648.0 || *type > 2147483647.0) continue;
    if ((static_cast<long>(*type) & 0x7F) != MDB_TABLE) continue;
    auto* entry = static_cast<MdbCatalogEntry*>(g_malloc0(sizeof(MdbCatalogEntry)));
    entry->mdb = mdb;
    std::snprintf(entry->object_name, sizeof entry->object_name, "%s", text(1).c_str());
    entry->object_type = MDB_TABLE;
    entry->table_pg = static_cast<unsigned long>(*id) & 0x00FFFFFFul;
    g_ptr_array_add(mdb->catalog, entry);
    ++mdb->num_catalog;
  }
  if (mdb->num_catalog == 0) throw Error(file, std::string(kFormat), "the database catalog lists no tables (corrupted file?)");
}

TextTable read_text_table(MdbHandle* mdb, const char* name, const std::string& file) {
  const auto file_size = std::filesystem::file_size(file);
  TableDef t;
  // Looked up in castor's catalog: mdb_read_table_by_name would re-read libmdb's own.
  for (unsigned i = 0; i < mdb->num_catalog && !t.def; ++i) {
    auto* e = static_cast<MdbCatalogEntry*>(g_ptr_array_index(mdb->catalog, i));
    if (e->object_type == MDB_TABLE && std::string_view(e->object_name) == name) t.def = mdb_read_table(e);
  }
  if (!t.def) throw Error(file, std::string(kFormat), fmt::format("the database has no table '{}'", name));
  if (!mdb_read_columns(t.def))
    throw Error(file, std::string(kFormat), fmt::format("cannot read the columns of '{}' (corrupted file?)", name));
  TextTable out;
  out.declared_rows = static_cast<long>(t.def->num_rows);
  const unsigned ncol = t.def->num_cols;
  std::vector<std::unique_ptr<char[]>> buffers;
  std::vector<int> lengths(ncol);
  for (unsigned c = 0; c < ncol; ++c) {
    auto* column = static_cast<MdbColumn*>(g_ptr_array_index(t.def->columns, c));
    out.names.emplace_back(column->name);
    check_column_type(column, name, file);
    buffers.push_back(std::make_unique<char[]>(MDB_BIND_SIZE));
    mdb_bind_column(t.def, static_cast<int>(c + 1), buffers.back().get(), &lengths[c]);
  }
  out.cells.resize(ncol);
  mdb_rewind_table(t.def);
  // A bound on the rows a file of this size can hold: a corrupted page chain must not make
  // libmdb return rows forever.
  const std::size_t max_rows = static_cast<std::size_t>(file_size / 4 + 1000);
  while (mdb_fetch_row(t.def)) {
    if (!out.cells.empty() && out.cells[0].size() > max_rows)
      throw Error(file, std::string(kFormat),
                  fmt::format("table '{}' returns more rows than the file can hold (corrupted page chain?)", name));
    for (unsigned c = 0; c < ncol; ++c) out.cells[c].emplace_back(buffers[c].get(), static_cast<std::size_t>(std::max(lengths[c], 0)));
  }
  return out;
}

// Every user table of the database with its row count (libmdb's catalog).
std::vector<std::pair<std::string, long>> table_rows(MdbHandle* mdb) {
  std::vector<std::pair<std::string, long>> out;
  for (unsigned i = 0; i < mdb->num_catalog; ++i) {
    auto* e = static_cast<MdbCatalogEntry*>(g_ptr_array_index(mdb->catalog, i));
    if (e->object_type != MDB_TABLE) continue;
    const std::string name = e->object_name;
    if (name.starts_with("MSys")) continue;
    TableDef t;
    t.def = mdb_read_table(e);
    out.emplace_back(name, t.def ? static_cast<long>(t.def->num_rows) : -1L);
  }
  return out;
}

}  // namespace

void add_arbin_aux_columns(Table& t, const std::vector<ArbinAuxRow>& rows) {
  if (rows.empty()) return;
  const Column* tid = t.find("Test_ID");
  const Column* dp = t.find("Data_Point");
  if (!dp) {
    t.meta.warnings.push_back(fmt::format("{} auxiliary values not placed: the data table has no Data_Point column", rows.size()));
    return;
  }
  static const char* kinds[] = {"voltage", "temperature", "pressure", "ph", "flow_rate", "concentration", "di", "do"};
  static const char* units[] = {"V", "C", "", "", "", "", "", ""};
  std::map<std::pair<double, double>, std::size_t> row_of;
  for (std::size_t r = 0; r < t.rows(); ++r) row_of[{tid ? tid->values[r] : 0.0, dp->values[r]}] = r;
  std::map<std::pair<int, int>, std::vector<double>> cols;
  std::size_t unplaced = 0;
  for (const auto& a : rows) {
    auto it = row_of.find({tid ? a.test_id : 0.0, a.data_point});
    if (it == row_of.end()) {
      ++unplaced;
      continue;
    }
    auto& v = cols[{a.data_type, a.aux_index}];
    if (v.empty()) v.assign(t.rows(), std::numeric_limits<double>::quiet_NaN());
    v[it->second] = a.value;
  }
  for (auto& [key, v] : cols) {
    const auto [type, index] = key;
    const bool known = type >= 0 && type < 8;
    const std::string unit = known ? units[type] : "";
    const std::string name =
        known ? fmt::format("aux_{}_{}{}", kinds[type], index, unit.empty() ? "" : "_" + unit) : fmt::format("aux_type{}_{}", type, index);
    t.add(name, unit == "C" ? "°C" : unit, fmt::format("Auxiliary_Table Data_Type {} Auxiliary_Index {}", type, index), ColumnRole::Raw,
          std::move(v));
    if (type == 1 && !t.has(col::temperature_C)) t.add(col::temperature_C, "°C", name, ColumnRole::Common, t.values(name));
  }
  if (unplaced)
    t.meta.warnings.push_back(fmt::format("{} auxiliary values match no data point of Channel_Normal_Table and were not placed", unplaced));
}

Table read_arbin_res(const std::filesystem::path& path) {
  const std::string file = path.string();
  check_input_file(path, std::string(kFormat));
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
  read_catalog(h.mdb, file, size);
  const TextTable data = read_text_table(h.mdb, "Channel_Normal_Table", file);

  Table t;
  t.meta.source_file = file;
  t.meta.format = "arbin-res";
  t.meta.instrument = "Arbin";
  const std::size_t rows = data.cells.empty() ? 0 : data.cells[0].size();
  if (rows == 0 && data.declared_rows > 0)
    throw Error(file, std::string(kFormat),
                fmt::format("Channel_Normal_Table declares {} rows and none could be read (truncated or damaged database pages)",
                            data.declared_rows));
  if (data.declared_rows >= 0 && static_cast<long>(rows) != data.declared_rows)
    t.meta.warnings.push_back(
        fmt::format("Channel_Normal_Table declares {} rows, {} could be read (truncated or damaged "
                    "database pages); the complete rows are kept",
                    data.declared_rows, rows));
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
  if (point) {  // Data_Point runs 1, 2, 3, ... within each test: gaps are lost rows
    std::size_t missing = 0;
    for (std::size_t k = 1; k < rows; ++k) {
      const double a = values[*point][order[k - 1]], b = values[*point][order[k]];
      const bool same_test = !test_id || values[*test_id][order[k - 1]] == values[*test_id][order[k]];
      if (same_test && b > a + 1) missing += static_cast<std::size_t>(b - a - 1);
    }
    if (missing > 0) t.meta.warnings.push_back(fmt::format("{} data points missing from the Data_Point sequence", missing));
  }
  for (std::size_t c = 0; c < data.names.size(); ++c) {
    std::vector<double> v(rows);
    for (std::size_t r = 0; r < rows; ++r) v[r] = values[c][order[r]];
    t.add(data.names[c], "", data.names[c], ColumnRole::Raw, std::move(v));
  }
  auto copy = [&](std::string_view name, std::string_view unit, const char* src, double scale) {
    const Column* c = t.find(src);
    if (!c) return;
    if (scale == 1.0) {  // the same numbers: the raw column's storage, shared
      t.add(name, unit, src, ColumnRole::Common, c->values);
      return;
    }
    std::vector<double> v;
    v.reserve(c->values.size());
    for (double x : c->values) v.push_back(x * scale);
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
    if (c.name.ends_with("_Time"))
      c.unit = "s";
    else if (c.name == "Voltage")
      c.unit = "V";
    else if (c.name == "Current")
      c.unit = "A";
    else if (c.name.ends_with("_Capacity"))
      c.unit = "Ah";
    else if (c.name.ends_with("_Energy"))
      c.unit = "Wh";
    else if (c.name == "DateTime")
      c.unit = "day (Excel)";
  }
  if (const Column* dt = t.find("DateTime"); dt && rows > 0 && std::isfinite(dt->values[0]))
    set_start_time(t.meta, ole_days_to_unix_s(dt->values[0]) - t.values(col::time_s)[0], "first DateTime");
  try {
    const TextTable global = read_text_table(h.mdb, "Global_Table", file);
    for (std::size_t c = 0; c < global.names.size(); ++c)
      if (!global.cells[c].empty() && !global.cells[c].back().empty())
        t.meta.extra["arbin." + global.names[c]] = to_utf8(global.cells[c].back());
    for (const char* k : {"arbin.Channel_Number", "arbin.Channel_Index"})
      if (auto it = t.meta.extra.find(k); it != t.meta.extra.end() && !t.meta.extra.count("channel")) t.meta.extra["channel"] = it->second;
    if (auto it = t.meta.extra.find("arbin.Schedule_File_Name"); it != t.meta.extra.end()) t.meta.technique = "schedule " + it->second;
  } catch (const Error& e) {
    // Global_Table is metadata only; its absence does not make the data unreadable.
    t.meta.warnings.push_back(fmt::format("no test metadata: {}", e.reason()));
  }
  // Auxiliary channels.
  try {
    const TextTable aux = read_text_table(h.mdb, "Auxiliary_Table", file);
    auto col_of = [&](std::string_view n) -> std::optional<std::size_t> {
      for (std::size_t c = 0; c < aux.names.size(); ++c)
        if (aux.names[c] == n) return c;
      return std::nullopt;
    };
    const auto a_tid = col_of("Test_ID"), a_dp = col_of("Data_Point"), a_idx = col_of("Auxiliary_Index"), a_type = col_of("Data_Type"),
               a_x = col_of("X");
    const std::size_t n = aux.cells.empty() ? 0 : aux.cells[0].size();
    if (n > 0 && (!a_dp || !a_idx || !a_type || !a_x)) {
      t.meta.not_read.push_back(fmt::format("Auxiliary_Table ({} rows): no Data_Point, Auxiliary_Index, Data_Type or X column", n));
    } else if (n > 0) {
      std::vector<ArbinAuxRow> rows_aux;
      rows_aux.reserve(n);
      for (std::size_t r = 0; r < n; ++r) {
        ArbinAuxRow a;
        a.test_id = a_tid ? parse_double(aux.cells[*a_tid][r]).value_or(0.0) : 0.0;
        a.data_point = parse_double(aux.cells[*a_dp][r]).value_or(std::numeric_limits<double>::quiet_NaN());
        a.aux_index = static_cast<int>(whole_number(parse_double(aux.cells[*a_idx][r]), 1e6).value_or(-1));
        a.data_type = static_cast<int>(whole_number(parse_double(aux.cells[*a_type][r]), 1e6).value_or(-1));
        a.value = parse_double(aux.cells[*a_x][r]).value_or(std::numeric_limits<double>::quiet_NaN());
        rows_aux.push_back(a);
      }
      add_arbin_aux_columns(t, rows_aux);
    }
  } catch (const Error&) {
    // Older schemas have no Auxiliary_Table.
  }
  // What the database holds beyond the tables read here.
  for (const auto& [name, n] : table_rows(h.mdb)) {
    if (name == "Channel_Normal_Table" || name == "Global_Table" || name == "Auxiliary_Table" || name == "Version_Table") continue;
    if (n > 0) t.meta.not_read.push_back(fmt::format("table {} ({} rows)", name, n));
  }
  return t;
}

}  // namespace castor::io
