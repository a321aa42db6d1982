#include "castor/io/castor_table.h"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/error.h"
#include "castor/core/provenance.h"

namespace castor::io {
namespace {

constexpr const char* kLayout = "castor-table 1";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Debian's HDF5 is built without thread safety: castor calls it from one thread at a time
// (a batch reads files in parallel).
std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

// An HDF5 identifier closed when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Hdf5File {
  std::string name;
  [[noreturn]] void fail(const std::string& why, ErrorKind kind = ErrorKind::input) const { throw Error(name, "castor-hdf5", why, kind); }
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check(herr_t rc, const std::string& what) const {
    if (rc < 0) fail(what);
  }
};

// ---- writing ------------------------------------------------------------------------

// Variable-length UTF-8: h5py gives them as str (fixed-length strings come back as bytes).
void put_string_attribute(const Hdf5File& f, hid_t object, const std::string& key, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(f.check(H5Acreate2(object, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "cannot write attribute " + key),
              H5Aclose);
  const char* p = value.c_str();
  f.check(H5Awrite(attr.get(), type.get(), &p), "cannot write attribute " + key);
}

void put_number_attribute(const Hdf5File& f, hid_t object, const std::string& key, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(f.check(H5Acreate2(object, key.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), "cannot write " + key),
              H5Aclose);
  f.check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), "cannot write " + key);
}

hid_t make_group(const Hdf5File& f, hid_t parent, const char* name) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return f.check(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), std::string("cannot create group ") + name);
}

void put_strings(const Hdf5File& f, hid_t parent, const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle set(
      f.check(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create " + name),
      H5Dclose);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (n) f.check(H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "cannot write " + name);
}

// Dataset names: the column name with '/' (HDF5's path separator) as '_', and '.' alone
// (HDF5's current group) avoided; unique within the group.
std::string dataset_name(std::string name, std::map<std::string, int>& used) {
  for (char& c : name)
    if (c == '/') c = '_';
  if (name.empty() || name == "." || name == "..") name = "_" + name;
  const int n = used[name]++;
  return n ? fmt::format("{}~{}", name, n + 1) : name;
}

// ---- reading ------------------------------------------------------------------------

std::optional<std::string> get_string_attribute(hid_t object, const char* key) {
  if (H5Aexists(object, key) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, key, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return std::nullopt;
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(type.get()) > 0) {
    char* p = nullptr;  // read with the file's own string type (ASCII and UTF-8 do not convert)
    if (H5Aread(attr.get(), type.get(), &p) < 0) return std::nullopt;
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string s(size, '\0');
  if (H5Aread(attr.get(), type.get(), s.data()) < 0) return std::nullopt;
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::optional<double> get_number_attribute(hid_t object, const char* key) {
  if (H5Aexists(object, key) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, key, H5P_DEFAULT), H5Aclose);
  double v = kNaN;
  if (!attr.ok() || H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) return std::nullopt;
  return v;
}

std::vector<std::string> link_names(const Hdf5File& f, hid_t group) {
  H5G_info_t info{};
  f.check(H5Gget_info(group, &info), "cannot list a group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    // Creation order where the group tracks it (castor's files do), else by name.
    H5_index_t index = H5_INDEX_CRT_ORDER;
    ssize_t len = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) {
      index = H5_INDEX_NAME;
      len = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    }
    if (len < 0) f.fail("cannot list a group");
    std::string name(std::size_t(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(std::size_t(len));
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> read_strings(const Hdf5File& f, hid_t parent, const std::string& name, std::size_t expected) {
  Handle set(f.check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "cannot open " + name), H5Dclose);
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || (expected != std::size_t(-1) && std::size_t(n) != expected))
    f.fail(fmt::format("{} holds {} values for {} rows", name, n, expected));
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), H5T_VARIABLE);
  H5Tset_cset(mem.get(), H5T_CSET_UTF8);
  std::vector<char*> ptrs(std::size_t(n), nullptr);
  if (n && H5Dread(set.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) f.fail("cannot read " + name);
  std::vector<std::string> out;
  out.reserve(ptrs.size());
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

}  // namespace

void write_hdf5(const Table& t, const std::filesystem::path& path, const WriteOptions& o) {
  std::lock_guard lock(hdf5_mutex());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // castor reports failures itself
  const Hdf5File f{path.string()};
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle file(H5Fcreate(f.name.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), H5Fclose);
  if (!file.ok()) f.fail("cannot be created (is the folder writable?)", ErrorKind::resource);
  const hid_t root = file.get();
  put_string_attribute(f, root, "castor_format", kLayout);
  put_string_attribute(f, root, "castor_version", version());
  put_string_attribute(f, root, "castor_command", command_line());
  put_number_attribute(f, root, "rows", double(t.rows()));
  const auto& m = t.meta;
  put_string_attribute(f, root, "source_file", m.source_file);
  put_string_attribute(f, root, "format", m.format);
  put_string_attribute(f, root, "instrument", m.instrument);
  put_string_attribute(f, root, "software_version", m.software_version);
  put_string_attribute(f, root, "technique", m.technique);
  put_string_attribute(f, root, "start_time", m.start_time);
  put_string_attribute(f, root, "layout", m.layout == TableLayout::half_cycles ? "half_cycles" : "time_series");
  if (m.active_mass_g) put_number_attribute(f, root, "active_mass_g", *m.active_mass_g);
  if (m.electrode_area_cm2) put_number_attribute(f, root, "electrode_area_cm2", *m.electrode_area_cm2);

  Handle columns(make_group(f, root, "columns"), H5Gclose);
  std::map<std::string, int> used;
  const hsize_t n = t.rows();
  auto write_column = [&](const Column& c) {
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (n >= 1024) {  // chunked and compressed (gzip 4): instrument columns compress 3-10x
      const hsize_t chunk = std::min<hsize_t>(n, 65536);
      H5Pset_chunk(dcpl.get(), 1, &chunk);
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), 4);
    }
    const std::string name = dataset_name(c.name, used);
    Handle set(f.check(H5Dcreate2(columns.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                       "cannot create column " + c.name),
               H5Dclose);
    if (n) f.check(H5Dwrite(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.values.data()), "cannot write column " + c.name);
    put_string_attribute(f, set.get(), "name", c.name);
    put_string_attribute(f, set.get(), "unit", c.unit);
    put_string_attribute(f, set.get(), "source_name", c.source_name);
    put_string_attribute(f, set.get(), "role", c.role == ColumnRole::Common ? "common" : "raw");
  };
  for (const auto& c : t.columns())  // in the table's order
    if (c.role == ColumnRole::Common || o.include_raw) write_column(c);
  Handle texts(make_group(f, root, "text_columns"), H5Gclose);
  if (o.include_raw) {
    std::map<std::string, int> used_text;
    for (const auto& c : t.text_columns()) {
      const std::string name = dataset_name(c.name, used_text);
      put_strings(f, texts.get(), name, c.values);
      Handle set(H5Dopen2(texts.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
      put_string_attribute(f, set.get(), "name", c.name);
      put_string_attribute(f, set.get(), "source_name", c.source_name);
    }
  }
  Handle meta(make_group(f, root, "metadata"), H5Gclose);
  for (const auto& [k, v] : m.extra) put_string_attribute(f, meta.get(), k, v);
  put_strings(f, root, "warnings", m.warnings);
  put_strings(f, root, "not_read", m.not_read);
  if (H5Fflush(root, H5F_SCOPE_GLOBAL) < 0) f.fail("write failed (disk full?)", ErrorKind::resource);
}

Table read_castor_hdf5(const std::filesystem::path& path) {
  std::lock_guard lock(hdf5_mutex());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const Hdf5File f{path.string()};
  Handle file(H5Fopen(f.name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) f.fail("is not a readable HDF5 file (truncated or damaged?)");
  const hid_t root = file.get();
  const auto layout = get_string_attribute(root, "castor_format");
  if (!layout) f.fail("is an HDF5 file but not one castor wrote (no castor_format attribute); castor reads its own HDF5 tables only");
  if (*layout != kLayout) f.fail(fmt::format("castor_format '{}': this castor reads '{}'", *layout, kLayout));
  const auto rows = get_number_attribute(root, "rows");
  if (!rows || !(*rows >= 0) || *rows != std::floor(*rows)) f.fail("the rows attribute is missing or not a count");
  const std::size_t n = std::size_t(*rows);
  Table t;
  auto& m = t.meta;
  m.source_file = f.name;
  m.format = "castor-hdf5";
  auto text = [&](const char* key) { return get_string_attribute(root, key).value_or(""); };
  m.instrument = text("instrument");
  m.software_version = text("software_version");
  m.technique = text("technique");
  m.start_time = text("start_time");
  m.layout = text("layout") == "half_cycles" ? TableLayout::half_cycles : TableLayout::time_series;
  m.active_mass_g = get_number_attribute(root, "active_mass_g");
  m.electrode_area_cm2 = get_number_attribute(root, "electrode_area_cm2");
  m.extra["castor.source_file"] = text("source_file");
  m.extra["castor.source_format"] = text("format");
  m.extra["castor.written_by"] = text("castor_version");

  if (H5Lexists(root, "columns", H5P_DEFAULT) <= 0) f.fail("has no /columns group");
  Handle columns(f.check(H5Gopen2(root, "columns", H5P_DEFAULT), "cannot open /columns"), H5Gclose);
  std::vector<double> values;
  for (const auto& name : link_names(f, columns.get())) {
    Handle set(f.check(H5Dopen2(columns.get(), name.c_str(), H5P_DEFAULT), "cannot open column " + name), H5Dclose);
    Handle space(H5Dget_space(set.get()), H5Sclose);
    const hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (count < 0 || std::size_t(count) != n) f.fail(fmt::format("column {} holds {} values for {} rows", name, count, n));
    values.assign(n, kNaN);
    if (n && H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
      f.fail("cannot read column " + name + " (a number column?)");
    const std::string column_name = get_string_attribute(set.get(), "name").value_or(name);
    const std::string role = get_string_attribute(set.get(), "role").value_or("raw");
    t.add(column_name, get_string_attribute(set.get(), "unit").value_or(""), get_string_attribute(set.get(), "source_name").value_or(name),
          role == "common" ? ColumnRole::Common : ColumnRole::Raw, values);
  }
  if (t.columns().empty() && n) f.fail(fmt::format("{} rows but no column", n));
  if (H5Lexists(root, "text_columns", H5P_DEFAULT) > 0) {
    Handle texts(f.check(H5Gopen2(root, "text_columns", H5P_DEFAULT), "cannot open /text_columns"), H5Gclose);
    for (const auto& name : link_names(f, texts.get())) {
      Handle set(H5Dopen2(texts.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
      TextColumn c;
      c.name = get_string_attribute(set.get(), "name").value_or(name);
      c.source_name = get_string_attribute(set.get(), "source_name").value_or(name);
      c.values = read_strings(f, texts.get(), name, n);
      t.add_text(std::move(c));
    }
  }
  if (H5Lexists(root, "metadata", H5P_DEFAULT) > 0) {
    Handle meta(H5Gopen2(root, "metadata", H5P_DEFAULT), H5Gclose);
    H5O_info_t info{};
    if (meta.ok() && H5Oget_info(meta.get(), &info) >= 0)
      for (hsize_t i = 0; i < info.num_attrs; ++i) {
        Handle attr(H5Aopen_by_idx(meta.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        if (!attr.ok()) continue;
        const ssize_t len = H5Aget_name(attr.get(), 0, nullptr);
        std::string key(std::size_t(std::max<ssize_t>(len, 0)) + 1, '\0');
        H5Aget_name(attr.get(), key.size(), key.data());
        key.resize(std::size_t(std::max<ssize_t>(len, 0)));
        if (auto v = get_string_attribute(meta.get(), key.c_str())) m.extra[key] = *v;
      }
  }
  if (H5Lexists(root, "warnings", H5P_DEFAULT) > 0) m.warnings = read_strings(f, root, "warnings", std::size_t(-1));
  if (H5Lexists(root, "not_read", H5P_DEFAULT) > 0) m.not_read = read_strings(f, root, "not_read", std::size_t(-1));
  return t;
}

Table read_castor_json(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(name, "castor-json", "cannot be opened", ErrorKind::resource);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(name, "castor-json", fmt::format("not valid JSON: {}", e.what())).at_byte(e.byte);
  }
  auto fail = [&](const std::string& why) -> Error { return Error(name, "castor-json", why); };
  if (!j.is_object() || !j.contains("columns") || !j.contains("data") || !j.contains("metadata"))
    throw fail("not a table castor wrote (it needs the members metadata, columns and data)");
  Table t;
  try {
    const auto& m = j.at("metadata");
    auto text = [&](const char* key) { return m.contains(key) && m[key].is_string() ? m[key].get<std::string>() : std::string(); };
    t.meta.source_file = name;
    t.meta.format = "castor-json";
    t.meta.instrument = text("instrument");
    t.meta.software_version = text("software_version");
    t.meta.technique = text("technique");
    t.meta.start_time = text("start_time");
    t.meta.layout = text("layout") == "half_cycles" ? TableLayout::half_cycles : TableLayout::time_series;
    if (m.contains("active_mass_g")) t.meta.active_mass_g = m["active_mass_g"].get<double>();
    if (m.contains("electrode_area_cm2")) t.meta.electrode_area_cm2 = m["electrode_area_cm2"].get<double>();
    if (m.contains("extra")) t.meta.extra = m["extra"].get<std::map<std::string, std::string>>();
    if (m.contains("warnings")) t.meta.warnings = m["warnings"].get<std::vector<std::string>>();
    if (m.contains("not_read")) t.meta.not_read = m["not_read"].get<std::vector<std::string>>();
    t.meta.extra["castor.source_file"] = text("source_file");
    t.meta.extra["castor.source_format"] = text("format");
    const std::size_t rows = j.contains("rows") ? j["rows"].get<std::size_t>() : std::size_t(-1);
    const auto& data = j.at("data");
    for (const auto& c : j.at("columns")) {
      const std::string cname = c.at("name").get<std::string>();
      if (!data.contains(cname)) throw fail(fmt::format("column '{}' is listed but has no data", cname));
      const auto& arr = data.at(cname);
      if (!arr.is_array()) throw fail(fmt::format("data of column '{}' is not an array", cname));
      if (rows != std::size_t(-1) && arr.size() != rows)
        throw fail(fmt::format("column '{}' holds {} values for {} rows", cname, arr.size(), rows));
      const bool is_text = std::any_of(arr.begin(), arr.end(), [](const nlohmann::json& v) { return v.is_string(); });
      const std::string source = c.contains("source") ? c["source"].get<std::string>() : cname;
      if (is_text) {
        TextColumn tc{cname, source, {}};
        for (const auto& v : arr) tc.values.push_back(v.is_string() ? v.get<std::string>() : std::string());
        t.add_text(std::move(tc));
        continue;
      }
      std::vector<double> values;
      values.reserve(arr.size());
      for (const auto& v : arr) {
        if (v.is_null())
          values.push_back(kNaN);
        else if (v.is_number())
          values.push_back(v.get<double>());
        else
          throw fail(fmt::format("column '{}' holds a value that is neither a number nor null", cname));
      }
      const std::string role = c.contains("role") ? c["role"].get<std::string>() : "raw";
      t.add(cname, c.contains("unit") ? c["unit"].get<std::string>() : "", source, role == "common" ? ColumnRole::Common : ColumnRole::Raw,
            std::move(values));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fail(fmt::format("a member has the wrong type: {}", e.what()));
  }
  return t;
}

}  // namespace castor::io
