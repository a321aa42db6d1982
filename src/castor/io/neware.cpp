// Neware layouts (facts from NewareNDA and fastnda, checked here against BTSDA exports):
//  .ndc header: byte 0 = file type (1 data, 5 aux, 7 step, 18 runInfo), byte 2 = version.
//  v5  type 1: 4096-byte pages from offset 4096; in each page bytes [125, 4040) hold
//      87-byte records, a record is data when its byte 7 is 0x55.
//  v14/v17 type 1: pages from 4096, bytes [132, 4092) hold (float V, float I[A]) pairs.
//  v14 type 7: pages, bytes [132, 4091): 37-byte (i32 cycle, i32 step_index, 16 B, u8 status,
//      12 B) records; v17 type 7: bytes [132, 4032): 100-byte (i32 cycle, i32 step, 16 B,
//      u8 status, 8 B, i32 step_index, 63 B).
//  v14 type 18: bytes [132, 4037) of 55-byte records, v17: bytes [232, 4032) of 100-byte
//      records: i32 time_ms, 1 B, f32 charge cap, discharge cap, charge energy, discharge
//      energy (Ah, Wh), 12 B, i32 unix time, i32 step, i32 index, i16 ms.
//  .nda v14-29: records of 86 bytes (first byte 0x55): u32 index @2, u32 cycle @6,
//      u16 step index @10, u8 status @12, u64 step time ms @14, i32 V*1e4 @22, i32 I @26,
//      i64 charge/discharge capacity and energy @38.., time @70, i32 range @78.
//  .nda v130, BTS 9.1 (byte 1024 = 0x55): records from 1024 whose length is the distance
//      to the next copy of their first two bytes (see read_nda_130).
#include "castor/io/neware.h"

#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/detail/byte_reader.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view kNdax = "Neware .ndax";
constexpr std::string_view kNda = "Neware .nda";

const char* status_name(int code) {
  switch (code) {
    case 1:
      return "CC_Chg";
    case 2:
      return "CC_DChg";
    case 3:
      return "CV_Chg";
    case 4:
      return "Rest";
    case 5:
      return "Cycle";
    case 7:
      return "CCCV_Chg";
    case 8:
      return "CP_DChg";
    case 9:
      return "CP_Chg";
    case 10:
      return "CR_DChg";
    case 13:
      return "Pause";
    case 16:
      return "Pulse";
    case 17:
      return "SIM";
    case 19:
      return "CV_DChg";
    case 20:
      return "CCCV_DChg";
    case 21:
      return "Control";
    case 22:
      return "OCV";
    case 26:
      return "CPCV_DChg";
    case 27:
      return "CPCV_Chg";
    default:
      return nullptr;
  }
}

StepKind kind_of_status(std::string_view s) {
  if (s == "CC_Chg") return StepKind::cc_charge;
  if (s == "CC_DChg") return StepKind::cc_discharge;
  if (s == "CV_Chg") return StepKind::cv_charge;
  if (s == "CV_DChg") return StepKind::cv_discharge;
  if (s == "CCCV_Chg") return StepKind::cccv_charge;
  if (s == "CCCV_DChg") return StepKind::cccv_discharge;
  if (s == "Rest" || s == "OCV" || s == "Pause") return StepKind::rest;
  if (s == "Pulse") return StepKind::pulse;
  if (s.empty()) return StepKind::unknown;
  return StepKind::other;
}

// Current range code -> multiplier to mA (NewareNDA dicts.py, multiplier_dict).
std::optional<double> range_multiplier(int range) {
  static const std::map<int, double> m = {
      {-100000000, 10}, {-200000, 1e-2}, {-100000, 1e-2}, {-60000, 1e-2}, {-50000, 1e-2}, {-40000, 1e-2}, {-30000, 1e-2}, {-20000, 1e-2},
      {-12000, 1e-2},   {-10000, 1e-2},  {-6000, 1e-2},   {-5000, 1e-2},  {-3000, 1e-2},  {-2000, 1e-2},  {-1000, 1e-2},  {-500, 1e-3},
      {-100, 1e-3},     {-50, 1e-4},     {-25, 1e-4},     {-20, 1e-4},    {-10, 1e-4},    {-5, 1e-5},     {-2, 1e-5},     {-1, 1e-5},
      {0, 0},           {1, 1e-4},       {2, 1e-4},       {5, 1e-4},      {10, 1e-3},     {20, 1e-3},     {25, 1e-3},     {50, 1e-3},
      {100, 1e-2},      {200, 1e-2},     {250, 1e-2},     {500, 1e-2},    {1000, 1e-1},   {6000, 1e-1},   {10000, 1e-1},  {12000, 1e-1},
      {20000, 1e-1},    {30000, 1e-1},   {40000, 1e-1},   {50000, 1e-1},  {60000, 1e-1},  {100000, 1e-1}, {200000, 1e-1}};
  auto it = m.find(range);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// Rows as NewareNDA names them; filled by each layout, then turned into a Table.
struct Records {
  std::vector<double> index, cycle, step_index, step_time, voltage, current_mA, chg_cap, dchg_cap, chg_e, dchg_e, timestamp;
  std::vector<std::string> status;
  std::map<std::string, std::vector<double>> aux;  // aux columns aligned with rows
  std::size_t size() const { return index.size(); }
  void resize(std::size_t n) {
    for (auto* v : {&index, &cycle, &step_index, &step_time, &voltage, &current_mA, &chg_cap, &dchg_cap, &chg_e, &dchg_e, &timestamp})
      v->resize(n, kNaN);
    status.resize(n);
  }
  // Room for n rows, so that rows appended one by one never move the columns.
  void reserve(std::size_t n) {
    for (auto* v : {&index, &cycle, &step_index, &step_time, &voltage, &current_mA, &chg_cap, &dchg_cap, &chg_e, &dchg_e, &timestamp})
      v->reserve(n);
    status.reserve(n);
  }
  // Keeps rows [0, n); returns the memory of the rest when that is more than a quarter.
  void truncate(std::size_t n) {
    const bool shrink = n < index.capacity() / 4 * 3;
    resize(n);
    if (!shrink) return;
    for (auto* v : {&index, &cycle, &step_index, &step_time, &voltage, &current_mA, &chg_cap, &dchg_cap, &chg_e, &dchg_e, &timestamp})
      v->shrink_to_fit();
    status.shrink_to_fit();
  }
};

template <class T>
T get(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Enumerates value changes: 1 for the first run, +1 at each change of any key.
std::vector<double> count_changes(const std::vector<double>& a, const std::vector<double>* b = nullptr) {
  std::vector<double> out(a.size());
  double n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto differs = [](double x, double y) { return !(x == y) && !(std::isnan(x) && std::isnan(y)); };
    if (i == 0 || differs(a[i], a[i - 1]) || (b && differs((*b)[i], (*b)[i - 1]))) ++n;
    out[i] = n;
  }
  return out;
}

// The four i64 counters charge/discharge capacity and energy (in units of mult mA·s and
// mult mW·s) that BTS 8 records store one after another, into mAh and mWh.
void read_counters(const std::uint8_t* p, double mult, Records& r, std::size_t i) {
  r.chg_cap[i] = static_cast<double>(get<std::int64_t>(p)) * mult / 3600.0;
  r.dchg_cap[i] = static_cast<double>(get<std::int64_t>(p + 8)) * mult / 3600.0;
  r.chg_e[i] = static_cast<double>(get<std::int64_t>(p + 16)) * mult / 3600.0;
  r.dchg_e[i] = static_cast<double>(get<std::int64_t>(p + 24)) * mult / 3600.0;
}

// A Y(u16) M D h m s date-time field, the instrument's local time, as seconds since 1970.
double read_calendar_time(const std::uint8_t* p) {
  const auto ts = civil_datetime_s(get<std::uint16_t>(p), p[2], p[3], p[4], p[5], p[6]);
  return ts ? *ts : kNaN;
}

// Record dates castor cannot stand behind (outside 1990-2100, or jumping back in time often
// or by more than a day) are dropped, with a warning, never printed as nonsense. A single
// clock correction (a jump back by minutes) is real and kept, with a note.
void check_timestamps(std::vector<double>& ts, std::vector<std::string>& warnings) {
  std::size_t bad = 0, backwards = 0;
  double worst = 0, prev = kNaN;
  for (double t : ts) {
    if (!std::isfinite(t)) continue;
    if (!plausible_date(t)) {
      ++bad;
      continue;
    }
    if (std::isfinite(prev) && t < prev - 60) ++backwards, worst = std::max(worst, prev - t);
    prev = t;
  }
  if (bad == 0 && backwards == 0) return;
  if (bad == 0 && worst <= 86400 && backwards * 100 <= ts.size()) {
    warnings.push_back(
        fmt::format("the record dates jump back in time {} time(s), by up to {:.0f} s (an instrument clock "
                    "correction?); the dates are kept as written",
                    backwards, worst));
    return;
  }
  warnings.push_back(
      fmt::format("record dates not decoded: {} of {} outside 1990-2100, {} jumps back in time (up to {:.3g} s); "
                  "the Timestamp column and start time are left empty (test time is unaffected)",
                  bad, ts.size(), backwards, worst));
  std::fill(ts.begin(), ts.end(), kNaN);
}

Table to_table(Records& r, const std::string& file, const std::string& format) {
  Table t;
  t.meta.source_file = file;
  t.meta.format = format;
  t.meta.instrument = "Neware BTS";
  const std::size_t n = r.size();
  // The step counter (one number per executed step, as BTSDA's "Step" count).
  std::vector<double> step_count = count_changes(r.step_index, &r.cycle);
  // Test time: steps follow each other; each step's time restarts at 0.
  std::vector<double> test_time(n, kNaN);
  double offset = 0, last_step_time = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && step_count[i] != step_count[i - 1]) offset += last_step_time;
    test_time[i] = offset + r.step_time[i];
    if (std::isfinite(r.step_time[i])) last_step_time = r.step_time[i];
  }
  std::vector<double> kind(n), current_A(n);
  for (std::size_t i = 0; i < n; ++i) {
    kind[i] = static_cast<double>(kind_of_status(r.status[i]));
    current_A[i] = r.current_mA[i] * 1e-3;
  }
  // A common column holding a raw column's numbers shares its storage (no second copy).
  ColumnValues voltage(std::move(r.voltage)), cycle(std::move(r.cycle)), step_index(std::move(r.step_index)),
      step_time(std::move(r.step_time)), chg(std::move(r.chg_cap)), dchg(std::move(r.dchg_cap)), chg_e(std::move(r.chg_e)),
      dchg_e(std::move(r.dchg_e));
  t.add(col::time_s, "s", "Time (summed over steps)", ColumnRole::Common, std::move(test_time));
  t.add(col::voltage_V, "V", "Voltage", ColumnRole::Common, voltage);
  t.add(col::current_A, "A", "Current(mA)", ColumnRole::Common, std::move(current_A));
  t.add(col::cycle, "", "Cycle", ColumnRole::Common, cycle);
  t.add(col::step, "", "Step_Index", ColumnRole::Common, step_index);
  t.add(col::step_kind, "", "Status", ColumnRole::Common, std::move(kind));
  t.add(col::step_time_s, "s", "Time", ColumnRole::Common, step_time);
  t.add(col::charge_capacity_mAh, "mAh", "Charge_Capacity(mAh)", ColumnRole::Common, chg);
  t.add(col::discharge_capacity_mAh, "mAh", "Discharge_Capacity(mAh)", ColumnRole::Common, dchg);
  t.add(col::charge_energy_mWh, "mWh", "Charge_Energy(mWh)", ColumnRole::Common, chg_e);
  t.add(col::discharge_energy_mWh, "mWh", "Discharge_Energy(mWh)", ColumnRole::Common, dchg_e);
  std::map<std::string, ColumnValues> aux;
  for (auto& [name, values] : r.aux) aux.emplace(name, std::move(values));
  for (const auto& [name, values] : aux)
    if (name.starts_with("T")) {
      t.add(col::temperature_C, "°C", name, ColumnRole::Common, values);
      break;
    }
  t.add("Index", "", "Index", ColumnRole::Raw, std::move(r.index));
  t.add("Cycle", "", "Cycle", ColumnRole::Raw, std::move(cycle));
  t.add("Step", "", "Step", ColumnRole::Raw, std::move(step_count));
  t.add("Step_Index", "", "Step_Index", ColumnRole::Raw, std::move(step_index));
  t.add_text({"Status", "Status", std::move(r.status)});
  t.add("Time", "s", "Time", ColumnRole::Raw, std::move(step_time));
  t.add("Voltage", "V", "Voltage", ColumnRole::Raw, std::move(voltage));
  t.add("Current(mA)", "mA", "Current(mA)", ColumnRole::Raw, std::move(r.current_mA));
  t.add("Charge_Capacity(mAh)", "mAh", "Charge_Capacity(mAh)", ColumnRole::Raw, std::move(chg));
  t.add("Discharge_Capacity(mAh)", "mAh", "Discharge_Capacity(mAh)", ColumnRole::Raw, std::move(dchg));
  t.add("Charge_Energy(mWh)", "mWh", "Charge_Energy(mWh)", ColumnRole::Raw, std::move(chg_e));
  t.add("Discharge_Energy(mWh)", "mWh", "Discharge_Energy(mWh)", ColumnRole::Raw, std::move(dchg_e));
  check_timestamps(r.timestamp, t.meta.warnings);
  t.add("Timestamp", "s", "Timestamp", ColumnRole::Raw, std::move(r.timestamp));
  for (auto& [name, values] : aux) t.add(name, name.starts_with("T") ? "°C" : "V", name, ColumnRole::Raw, std::move(values));
  if (!t.empty()) {
    const double ts = t.values("Timestamp").front();
    if (std::isfinite(ts) && ts > 0) set_start_time(t.meta, ts, "first record's date");
  }
  return t;
}

// ---------------------------------------------------------------- .ndax

// The archive's .ndc and .xml entries. The XML ones are inflated whole when asked for; the
// page-structured .ndc tables (data, runInfo, step and aux: megabytes each) are decoded page
// by page from one reused buffer, so that no inflated table takes fresh memory (at this
// machine's ~0.3 GB/s first touch, test_2.ndax's 4.2 MB of tables cost ~11 ms of a 105 ms
// read: docs/performance.md).
class NdaxArchive {
 public:
  struct Entry {
    zip_uint64_t index = 0;
    std::uint64_t size = 0;
  };

  NdaxArchive(const std::filesystem::path& path, std::vector<std::string>& skipped) : file_(path.string()) {
    check_input_file(path, std::string(kNdax));
    int err = 0;
    z_.reset(zip_open(file_.c_str(), ZIP_RDONLY, &err));
    if (!z_) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      std::string msg = fmt::format("not a readable zip archive ({})", zip_error_strerror(&ze));
      zip_error_fini(&ze);
      throw Error(file_, std::string(kNdax), msg);
    }
    const zip_int64_t n = zip_get_num_entries(z_.get(), 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      zip_stat_t st;
      if (zip_stat_index(z_.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
      const std::string name = st.name ? st.name : "";
      if (!name.ends_with(".ndc") && !name.ends_with(".xml")) {
        skipped.push_back(name);
        continue;
      }
      // The declared size is untrusted: it must fit what deflate can make of the compressed
      // bytes (at most 1032:1) and castor's file limit; reading checks that it is all there.
      if (st.size > max_file_bytes() || ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > 1100 * st.comp_size + 65536))
        throw Error(file_, std::string(kNdax),
                    fmt::format("entry '{}' declares {} bytes from {} compressed bytes (corrupted archive?)", name, st.size, st.comp_size));
      entries_[name] = Entry{static_cast<zip_uint64_t>(i), st.size};
    }
  }

  const std::map<std::string, Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  // The whole entry (an XML one: kilobytes).
  std::vector<std::uint8_t> bytes(const std::string& name) const {
    std::vector<std::uint8_t> out;
    read(name, 0, [&](const std::uint8_t* p, std::size_t n) {
      out.insert(out.end(), p, p + n);
      return true;
    });
    return out;
  }

  // The first 4096-byte page of an .ndc table (its header: file type @0, version @2), after
  // checking that the table is whole pages.
  std::vector<std::uint8_t> header(const std::string& name) const {
    check_pages(name);
    std::vector<std::uint8_t> out;
    read(name, 4096, [&](const std::uint8_t* p, std::size_t n) {
      out.insert(out.end(), p, p + n);
      return true;
    });
    return out;
  }

  // Calls fn(ptr) for every record of `len` bytes in [begin, 4096 - end_skip) of each page
  // after the header page, in file order.
  template <class Fn>
  void each_record(const std::string& name, std::size_t begin, std::size_t end_skip, std::size_t len, Fn fn) const {
    check_pages(name);
    std::uint64_t page_at = 0;  // offset in the entry of the page being decoded
    read(name, 0, [&](const std::uint8_t* chunk, std::size_t n) {
      for (std::size_t page = 0; page + 4096 <= n; page += 4096, page_at += 4096) {
        if (page_at == 0) continue;  // the header
        for (std::size_t q = page + begin; q + len <= page + 4096 - end_skip; q += len) fn(chunk + q);
      }
      return true;
    });
  }

 private:
  void check_pages(const std::string& name) const {
    const Entry* e = find(name);
    if (!e) throw Error(file_, std::string(kNdax), fmt::format("the archive has no {}", name));
    if (e->size < 4096)
      throw Error(file_, std::string(kNdax), fmt::format("entry '{}' is {} bytes, shorter than its 4096-byte header", name, e->size));
    if (e->size % 4096 != 0)
      throw Error(file_, std::string(kNdax), fmt::format("entry '{}' is {} bytes, not whole 4096-byte pages (truncated?)", name, e->size));
  }

  // Inflates the entry's first `limit` bytes (0: all of it, which must be its declared size)
  // through one buffer of whole pages, handing each filled buffer to sink(ptr, n).
  template <class Sink>
  void read(const std::string& name, std::uint64_t limit, Sink sink) const {
    const Entry* e = find(name);
    if (!e) throw Error(file_, std::string(kNdax), fmt::format("the archive has no {}", name));
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> f(zip_fopen_index(z_.get(), e->index, 0), &zip_fclose);
    if (!f) throw Error(file_, std::string(kNdax), fmt::format("cannot open entry '{}' (corrupted archive?)", name));
    const std::uint64_t total = limit ? std::min(limit, e->size) : e->size;
    constexpr std::size_t kChunk = 64 * 4096;
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, total)));
    std::uint64_t done = 0;
    while (done < total) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), total - done));
      std::size_t have = 0;
      while (have < want) {
        const zip_int64_t got = zip_fread(f.get(), buffer.data() + have, want - have);
        if (got <= 0) break;
        have += static_cast<std::size_t>(got);
      }
      done += have;
      if (have < want) break;
      sink(buffer.data(), have);
    }
    if (done != total)
      throw Error(file_, std::string(kNdax),
                  fmt::format("entry '{}' is truncated or corrupted: {} of its {} bytes could be read", name, done, e->size));
    if (limit) return;
    // libzip compares the entry's CRC-32 only when a read reaches its end: one more read,
    // which must find nothing (damaged deflate data can inflate to the declared size).
    std::uint8_t extra = 0;
    const zip_int64_t beyond = zip_fread(f.get(), &extra, 1);
    if (beyond < 0)
      throw Error(file_, std::string(kNdax),
                  fmt::format("entry '{}' is corrupted: {}", name, zip_error_strerror(zip_file_get_error(f.get()))));
    if (beyond > 0)
      throw Error(file_, std::string(kNdax),
                  fmt::format("entry '{}' holds more than the {} bytes it declares (corrupted archive?)", name, e->size));
  }

  std::string file_;
  std::unique_ptr<zip_t, decltype(&zip_discard)> z_{nullptr, &zip_discard};
  std::map<std::string, Entry> entries_;
};

void read_ndc5_data(const NdaxArchive& zip, Records& r, const std::string& file) {
  r.reserve(r.size() + zip.find("data.ndc")->size / 4096 * ((4096 - 125 - 56) / 87));  // at most this many records
  zip.each_record("data.ndc", 125, 56, 87, [&](const std::uint8_t* p) {
    if (p[7] != 0x55) return;
    const auto range = get<std::int32_t>(p + 82);
    const auto mult = range_multiplier(range);
    if (!mult) throw Error(file, std::string(kNdax), fmt::format("unknown current range code {}", range));
    const char* st = status_name(p[17]);
    const std::size_t i = r.size();
    r.resize(i + 1);
    r.index[i] = get<std::uint32_t>(p + 8);
    r.cycle[i] = get<std::uint32_t>(p + 12) + 1.0;
    r.step_index[i] = p[16];
    r.status[i] = st ? st : fmt::format("status_{}", p[17]);
    r.step_time[i] = static_cast<double>(get<std::uint64_t>(p + 23)) / 1000.0;
    r.voltage[i] = get<std::int32_t>(p + 31) / 10000.0;
    r.current_mA[i] = get<std::int32_t>(p + 35) * *mult;
    read_counters(p + 43, *mult, r, i);
    r.timestamp[i] = read_calendar_time(p + 75);
  });
}

Table read_ndax_split(const NdaxArchive& zip, int version, const std::string& file) {
  const std::uint64_t data_bytes = zip.find("data.ndc")->size;
  // Voltage and current, one pair per data point; Index = position + 1.
  // Decoded straight into the rows' columns (no temporary copy).
  Records r;
  r.voltage.reserve(data_bytes / 8), r.current_mA.reserve(data_bytes / 8);
  zip.each_record("data.ndc", 132, 4, 8, [&](const std::uint8_t* p) {
    const float v = get<float>(p);
    if (v == 0.0f) return;  // page padding
    r.voltage.push_back(v);
    r.current_mA.push_back(get<float>(p + 4) * 1000.0);
  });
  const std::size_t n = r.voltage.size();
  r.resize(n);
  for (std::size_t i = 0; i < n; ++i) r.index[i] = static_cast<double>(i + 1);
  // runInfo: time, capacities, energies, timestamp and step number by Index.
  if (!zip.find("data_runInfo.ndc") || !zip.find("data_step.ndc"))
    throw Error(file, std::string(kNdax),
                fmt::format("ndc version {} needs data_runInfo.ndc and data_step.ndc; the archive lacks one", version));
  const std::size_t rb = version >= 17 ? 232 : 132, re = version >= 17 ? 64 : 59, rl = version >= 17 ? 100 : 55;
  std::size_t filled = 0;
  std::int64_t max_beyond = 0;  // the highest point index runInfo records beyond data.ndc
  zip.each_record("data_runInfo.ndc", rb, re, rl, [&](const std::uint8_t* p) {
    const auto index = get<std::int32_t>(p + 41);
    if (index > 0 && static_cast<std::size_t>(index) > n) max_beyond = std::max<std::int64_t>(max_beyond, index);
    if (index <= 0 || static_cast<std::size_t>(index) > n) return;
    const std::size_t i = static_cast<std::size_t>(index) - 1;
    r.step_time[i] = get<std::int32_t>(p) / 1000.0;
    r.chg_cap[i] = get<float>(p + 5) * 1000.0;
    r.dchg_cap[i] = get<float>(p + 9) * 1000.0;
    r.chg_e[i] = get<float>(p + 13) * 1000.0;
    r.dchg_e[i] = get<float>(p + 17) * 1000.0;
    r.timestamp[i] = get<std::int32_t>(p + 33) + get<std::int16_t>(p + 45) / 1000.0;
    ++filled;
  });
  // data_step: one record per executed step: cycle (0-based) @0, step index @4, status @24,
  // start test time (ms) @25, first data Index of the step @33 (v14 and v17 alike).
  struct StepInfo {
    double cycle, step_index;
    std::string status;
    std::int32_t first_index;
    double start_s;
  };
  std::vector<StepInfo> steps;
  const std::size_t sl = version >= 17 ? 100 : 37, se = version >= 17 ? 64 : 5;
  zip.each_record("data_step.ndc", 132, se, sl, [&](const std::uint8_t* p) {
    const auto step_index = get<std::int32_t>(p + 4);
    const auto first = get<std::int32_t>(p + 33);
    if (step_index == 0 || first <= 0) return;
    const char* st = status_name(p[24]);
    StepInfo info{get<std::int32_t>(p) + 1.0, static_cast<double>(step_index), st ? st : fmt::format("status_{}", p[24]), first,
                  static_cast<double>(get<std::int64_t>(p + 25)) / 1000.0};
    if (!steps.empty() && steps.back().first_index == first)
      steps.back() = info;  // rewritten step
    else
      steps.push_back(info);
  });
  std::stable_sort(steps.begin(), steps.end(), [](const StepInfo& a, const StepInfo& b2) { return a.first_index < b2.first_index; });
  if (steps.empty() && n > 0) throw Error(file, std::string(kNdax), "data_step.ndc holds no steps");
  std::vector<std::size_t> step_of(n, 0);
  for (std::size_t i = 0, k = 0; i < n; ++i) {
    while (k + 1 < steps.size() && steps[k + 1].first_index <= static_cast<std::int32_t>(i + 1)) ++k;
    step_of[i] = k;
    r.cycle[i] = steps[k].cycle;
    r.step_index[i] = steps[k].step_index;
    r.status[i] = steps[k].status;
  }
  // runInfo holds time and counters only for some points (each step's first and last, and
  // every few in between). Between two records the step time is linear in the point number;
  // capacity and energy are integrated from the current (I dt), as BTSDA shows them.
  std::vector<bool> known(n, false), known_end(n, false);
  for (std::size_t i = 0; i < n; ++i) known[i] = std::isfinite(r.step_time[i]);
  for (std::size_t a = 0; a < n;) {
    std::size_t b = a;
    while (b < n && step_of[b] == step_of[a]) ++b;  // [a, b) is one step
    // A step ends when the next begins: the last point's step time is the difference of
    // the two start times in data_step (checked against every recorded step end).
    const std::size_t k = step_of[a];
    if (!std::isfinite(r.step_time[b - 1]) && k + 1 < steps.size() && b - 1 > a) {
      r.step_time[b - 1] = steps[k + 1].start_s - steps[k].start_s;
      known_end[b - 1] = true;
    }
    std::optional<std::size_t> last;
    for (std::size_t i = a; i < b; ++i) {
      if (known[i] || known_end[i]) {
        if (last && i > *last + 1) {
          const std::size_t l = *last;
          for (std::size_t j = l + 1; j < i; ++j) {
            const double f = static_cast<double>(j - l) / static_cast<double>(i - l);
            r.step_time[j] = r.step_time[l] + f * (r.step_time[i] - r.step_time[l]);
            r.timestamp[j] = r.timestamp[l] + f * (r.timestamp[i] - r.timestamp[l]);
          }
        }
        last = i;
      }
    }
    // Before the first / after the last record of the step: continue with the nearest spacing.
    for (std::size_t i = a; i < b; ++i) {
      if (known[i] || std::isfinite(r.step_time[i])) continue;
      const double prev = i > a && std::isfinite(r.step_time[i - 1]) ? r.step_time[i - 1] : 0.0;
      const double dt = i > a + 1 && std::isfinite(r.step_time[i - 2]) ? prev - r.step_time[i - 2] : 0.0;
      r.step_time[i] = prev + dt;
      if (i > a) r.timestamp[i] = r.timestamp[i - 1] + dt;
    }
    for (std::size_t i = a; i < b; ++i) {
      if (known[i]) continue;
      const double dt_h = i > a ? (r.step_time[i] - r.step_time[i - 1]) / 3600.0 : 0.0;
      const double dq = std::fabs(r.current_mA[i]) * dt_h;
      const double de = dq * r.voltage[i];
      const bool charging = r.current_mA[i] > 0;
      auto prev = [&](const std::vector<double>& v) { return i > a && std::isfinite(v[i - 1]) ? v[i - 1] : 0.0; };
      r.chg_cap[i] = prev(r.chg_cap) + (charging ? dq : 0.0);
      r.dchg_cap[i] = prev(r.dchg_cap) + (charging ? 0.0 : dq);
      r.chg_e[i] = prev(r.chg_e) + (charging ? de : 0.0);
      r.dchg_e[i] = prev(r.dchg_e) + (charging ? 0.0 : de);
    }
    a = b;
  }
  Table t = to_table(r, file, "neware-ndax");
  t.meta.extra["neware.ndc_version"] = fmt::format("{}", version);
  // data.ndc shorter than the other tables say: it was cut (at a page boundary, so its own
  // size looks whole).
  std::int64_t last_step_start = 0;
  for (const auto& st : steps) last_step_start = std::max<std::int64_t>(last_step_start, st.first_index);
  if (max_beyond > 0 || last_step_start > static_cast<std::int64_t>(n))
    t.meta.warnings.push_back(
        fmt::format("data.ndc holds {} points ({} bytes), but data_runInfo.ndc records points up to {} and data_step.ndc has a step "
                    "starting at point {}: the data are truncated; the {} complete rows are kept",
                    n, data_bytes, std::max<std::int64_t>(max_beyond, static_cast<std::int64_t>(n)), last_step_start, n));
  if (filled < n) {
    t.meta.extra["neware.points_filled_between_runinfo_records"] = fmt::format("{}", n - filled);
    // Those points' capacities are castor's integral, not the instrument's counter.
    t.meta.extra["capacity_columns"] = "derived";
  }
  return t;
}

void read_ndax_aux(const NdaxArchive& zip, Table& t) {
  // Auxiliary channels: data_AUX_<a>_<b>_<c>.ndc, version 14/17 = one float per point;
  // the channel type (103 = temperature) is named in TestInfo.xml.
  std::string testinfo;
  if (zip.find("TestInfo.xml")) {
    const auto bytes = zip.bytes("TestInfo.xml");
    testinfo.assign(bytes.begin(), bytes.end());
  }
  std::vector<int> chl_types;
  for (std::size_t p = testinfo.find("ChlType=\""); p != std::string::npos; p = testinfo.find("ChlType=\"", p + 1))
    if (auto v = whole_number(parse_double(std::string_view(testinfo).substr(p + 9, testinfo.find('"', p + 9) - p - 9)), 1e6))
      chl_types.push_back(static_cast<int>(*v));
  int k = 0;
  for (const auto& [name, entry] : zip.entries()) {
    if (!name.starts_with("data_AUX_") || !name.ends_with(".ndc")) continue;
    const int version = zip.header(name)[2];
    if (version < 14) continue;
    std::vector<double> decoded;
    decoded.reserve(std::min<std::uint64_t>(entry.size / 4, t.rows()));
    zip.each_record(name, 132, 4, 4, [&](const std::uint8_t* p) { decoded.push_back(get<float>(p)); });
    decoded.resize(t.rows(), kNaN);
    ColumnValues values(std::move(decoded));
    const int type = k < static_cast<int>(chl_types.size()) ? chl_types[static_cast<std::size_t>(k)] : 0;
    const std::string col_name = fmt::format("{}{}", type == 103 ? "T" : type == 335 ? "t" : type == 345 ? "H" : "Aux", k + 1);
    if (type == 103 && !t.has(col::temperature_C)) t.add(col::temperature_C, "°C", col_name, ColumnRole::Common, values);
    t.add(col_name, type == 103 ? "°C" : "", name, ColumnRole::Raw, std::move(values));
    ++k;
  }
}

std::optional<std::string> xml_attribute_text(const std::string& xml, const std::string& element, const std::string& attr) {
  const auto p = xml.find("<" + element);
  if (p == std::string::npos) return std::nullopt;
  const auto end = xml.find('>', p);
  const auto a = xml.find(" " + attr + "=\"", p);
  if (a == std::string::npos || (end != std::string::npos && a > end)) return std::nullopt;
  const auto b = a + attr.size() + 3;
  const auto e = xml.find('"', b);
  if (e == std::string::npos) return std::nullopt;
  return xml.substr(b, e - b);
}

std::optional<double> xml_attribute_number(const std::string& xml, const std::string& element, const std::string& attr) {
  const auto v = xml_attribute_text(xml, element, attr);
  return v ? parse_double(*v) : std::nullopt;
}

// ---------------------------------------------------------------- .nda

// The first copy of each Index, in Index order (BTS writes some records twice). Records
// already strictly increasing (the usual file) are returned as they are, without a copy.
Records first_copy_in_index_order(Records r) {
  bool increasing = true;
  for (std::size_t i = 1; i < r.size() && increasing; ++i) increasing = r.index[i] > r.index[i - 1];
  if (increasing) return r;
  std::vector<std::size_t> order(r.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto c) { return r.index[a] < r.index[c]; });
  Records s;
  s.resize(order.size());
  std::size_t j = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    if (j > 0 && s.index[j - 1] == r.index[i]) continue;
    s.index[j] = r.index[i];
    s.cycle[j] = r.cycle[i];
    s.step_index[j] = r.step_index[i];
    s.status[j] = std::move(r.status[i]);
    s.step_time[j] = r.step_time[i];
    s.voltage[j] = r.voltage[i];
    s.current_mA[j] = r.current_mA[i];
    s.chg_cap[j] = r.chg_cap[i];
    s.dchg_cap[j] = r.dchg_cap[i];
    s.chg_e[j] = r.chg_e[i];
    s.dchg_e[j] = r.dchg_e[i];
    s.timestamp[j] = r.timestamp[i];
    ++j;
  }
  s.truncate(j);
  return s;
}

Table read_nda_86(std::span<const std::uint8_t> b, const std::string& file, int version) {
  ByteReader br(b, file, std::string(kNda));
  // Records of 86 bytes: find the first, marked 0x55 0x00 and followed by another record.
  std::size_t start = std::string::npos;
  for (std::size_t p = 0; p + 2 * 86 <= b.size(); ++p) {
    if (b[p] == 0x55 && b[p + 1] == 0x00 && b[p + 86] == 0x55 && b[p + 87] == 0x00 && b[p + 12] != 0 &&
        get<std::uint32_t>(b.data() + p + 2) != 0) {
      start = p;
      break;
    }
  }
  if (start == std::string::npos) br.fail(0, "no data records found (empty or corrupted file)");
  // Fixed range for records that store 0 (fastnda: header block at u32 @16, i32 @ +26).
  std::optional<int> fixed_range;
  if (b.size() > 20) {
    const auto block = get<std::uint32_t>(b.data() + 16);
    if (static_cast<std::size_t>(block) + 30 <= b.size()) fixed_range = get<std::int32_t>(b.data() + block + 26);
  }
  Records r;
  // At most one row per 86 bytes: sized once, cut to the rows read at the end.
  r.resize((b.size() - start) / 86);
  std::size_t rows = 0;
  std::vector<std::string> warnings;
  std::size_t other_records = 0, resyncs = 0;
  std::size_t p = start;
  for (; p + 86 <= b.size(); p += 86) {
    const std::uint8_t* q = b.data() + p;
    if (q[0] == 0xAA) {  // auxiliary-channel records (not decoded)
      ++other_records;
      continue;
    }
    if (q[0] != 0x55) {
      // The record sequence is broken (a damaged or duplicated block): resume at the next
      // byte that starts a data record followed by another record, and say so.
      std::size_t next = p + 1;
      while (next + 86 <= b.size() &&
             !(b[next] == 0x55 && b[next + 1] == 0x00 && (next + 172 > b.size() || b[next + 86] == 0x55 || b[next + 86] == 0xAA)))
        ++next;
      ++resyncs;
      warnings.push_back(fmt::format("record sequence broken at byte {}; {}", p,
                                     next + 86 <= b.size() ? fmt::format("resumed at byte {}", next) : std::string("no record after it")));
      if (next + 86 > b.size()) {
        p = b.size();
        break;
      }
      p = next - 86;
      continue;
    }
    const auto index = get<std::uint32_t>(q + 2);
    if (index == 0 || q[12] == 0) continue;
    int range = get<std::int32_t>(q + 78);
    if (range == 0 && fixed_range) range = *fixed_range;
    const auto mult = range_multiplier(range);
    if (!mult) br.fail(p + 78, fmt::format("unknown current range code {}", range));
    const char* st = status_name(q[12]);
    const std::size_t i = rows++;
    r.index[i] = index;
    r.cycle[i] = get<std::uint32_t>(q + 6) + 1.0;
    r.step_index[i] = get<std::uint16_t>(q + 10);
    r.status[i] = st ? st : fmt::format("status_{}", q[12]);
    r.step_time[i] = static_cast<double>(get<std::uint64_t>(q + 14)) / 1000.0;
    r.voltage[i] = get<std::int32_t>(q + 22) / 10000.0;
    r.current_mA[i] = get<std::int32_t>(q + 26) * *mult;
    read_counters(q + 38, *mult, r, i);
    // The record date: u64 seconds since 1970 up to v25, a Y M D h m s field from v29 on;
    // in between (v26-v28) the layout varies, so both are decoded and the one that reads
    // as a real date is kept (check_timestamps rejects the column otherwise).
    const double as_seconds = static_cast<double>(get<std::uint64_t>(q + 70));
    const double as_calendar = read_calendar_time(q + 70);
    if (version >= 29)
      r.timestamp[i] = as_calendar;
    else if (version <= 25)
      r.timestamp[i] = as_seconds;
    else
      r.timestamp[i] = plausible_date(as_seconds) ? as_seconds : as_calendar;
  }
  if (p < b.size() && p + 86 > b.size())
    warnings.push_back(
        fmt::format("the file ends inside a record: {} bytes of an 86-byte record at byte {} (truncated?); "
                    "the complete rows are kept",
                    b.size() - p, p));
  r.truncate(rows);
  Records s = first_copy_in_index_order(std::move(r));
  // Indices run 1, 2, 3, ...: gaps are records lost to damage.
  std::size_t missing = 0;
  for (std::size_t j = 0; j < s.size(); ++j) {
    const double expect = j == 0 ? 1.0 : s.index[j - 1] + 1;
    if (s.index[j] > expect) missing += static_cast<std::size_t>(s.index[j] - expect);
  }
  if (missing > 0)
    warnings.push_back(fmt::format("{} records missing from the index sequence (1..{}): {} of {} rows read", missing,
                                   s.size() ? s.index.back() : 0.0, s.size(), s.size() + missing));
  Table t = to_table(s, file, "neware-nda");
  t.meta.warnings.insert(t.meta.warnings.end(), warnings.begin(), warnings.end());
  if (other_records) t.meta.not_read.push_back(fmt::format("{} auxiliary records (marker 0xAA)", other_records));
  (void)resyncs;
  return t;
}

// BTS 9.1 (.nda version 130, byte 1024 = 0x55). Records start at 1024; their length is
// the distance to the next copy of the first two bytes (the identifier). Fields: u16 id @0,
// u8 step index @2, u8 status @3, u32 index @8, u32 total time s @12 + u32 ns @16,
// f32 current mA @20, f32 voltage V @24, f32 capacity mAs @28 and energy mWs @32 (signed:
// negative on discharge), u32 cycle @36 (0-based), u32 unix time @44 + u32 ns @48,
// f32 auxiliary temperature @52 when records are 56 bytes or longer (fastnda).
Table read_nda_130(std::span<const std::uint8_t> b, const std::string& file) {
  ByteReader br(b, file, std::string(kNda));
  if (b.size() < 1024 + 56) br.fail(0, "file ends before its first data record");
  if (b[1024] != 0x55)
    br.fail(1024, fmt::format("BTS 9.0 layout (sub-version byte {}) is not supported; castor reads BTS 9.1 "
                              ".nda files (sub-version 85)",
                              b[1024]));
  std::size_t len = 0;
  for (std::size_t p = 1026; p + 1 < b.size(); ++p)
    if (b[p] == b[1024] && b[p + 1] == b[1025]) {
      len = p - 1024;
      break;
    }
  if (len < 52) br.fail(1024, "cannot determine the record length (fewer than two records?)");
  Records r;
  std::vector<double> temperature;
  std::vector<double> total;
  std::size_t foreign = 0, p = 1024;
  r.reserve((b.size() - 1024) / len);
  total.reserve((b.size() - 1024) / len);
  for (; p + len <= b.size(); p += len) {
    const std::uint8_t* q = b.data() + p;
    if (q[0] != b[1024] || q[1] != b[1025]) {
      ++foreign;
      continue;
    }
    const char* st = status_name(q[3]);
    const std::size_t i = r.size();
    r.resize(i + 1);
    r.index[i] = get<std::uint32_t>(q + 8);
    r.step_index[i] = q[2];
    r.status[i] = st ? st : fmt::format("status_{}", q[3]);
    total.push_back(get<std::uint32_t>(q + 12) + get<std::uint32_t>(q + 16) / 1e9);
    r.current_mA[i] = get<float>(q + 20);
    r.voltage[i] = get<float>(q + 24);
    const double cap = get<float>(q + 28) / 3600.0, energy = get<float>(q + 32) / 3600.0;
    r.chg_cap[i] = std::max(cap, 0.0);
    r.dchg_cap[i] = std::max(-cap, 0.0);
    r.chg_e[i] = std::max(energy, 0.0);
    r.dchg_e[i] = std::max(-energy, 0.0);
    r.cycle[i] = get<std::uint32_t>(q + 36) + 1.0;
    r.timestamp[i] = get<std::uint32_t>(q + 44) + get<std::uint32_t>(q + 48) / 1e9;
    temperature.push_back(len >= 56 ? get<float>(q + 52) : kNaN);
  }
  if (r.size() == 0) br.fail(1024, "no data records found");
  // Complete BTS 9.1 files end with a short trailer and interleave records of other kinds,
  // so neither is a sign of damage here: both are listed as not read.
  std::vector<std::string> unread;
  if (p < b.size()) unread.push_back(fmt::format("{} trailing bytes after the last whole {}-byte record", b.size() - p, len));
  if (foreign > 0) unread.push_back(fmt::format("{} {}-byte records of other kinds (not data records)", foreign, len));
  // Step time = total time minus the total time at the end of the previous step.
  const auto steps = count_changes(r.step_index, &r.cycle);
  double prev_end = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (i > 0 && steps[i] != steps[i - 1]) prev_end = total[i - 1];
    r.step_time[i] = total[i] - prev_end;
  }
  if (len >= 56) r.aux["T1"] = std::move(temperature);
  Table t = to_table(r, file, "neware-nda");
  t.meta.extra["neware.bts"] = "9.1";
  t.meta.not_read.insert(t.meta.not_read.end(), unread.begin(), unread.end());
  return t;
}
}  // namespace

namespace {

// BTSDA's cycle index for an .ndax with a Step.xml. The records store the schedule's loop
// counter, which counts only jumps back: a rate test written as one loop per rate (each run
// once) stays in "cycle 1" although BTSDA shows a cycle per rate. BTSDA's rule, as far as
// its step tables show it (test_2.ndax, nw4-120-1-6-53.ndax: every step; the 2025 M50T
// .ndax: every step): a new cycle begins when the schedule enters the first step of a loop
// whose body holds a charge or discharge step (for the first time or by a jump back), or
// when any loop jumps back, provided a charge and a discharge both ran since the current
// cycle began.
// Returns false (and changes nothing) when Step.xml has no such loop or the data run a step
// it does not name.
bool count_btsda_cycles(const std::string& step_xml, Table& t) {
  pugi::xml_document doc;
  if (!doc.load_buffer(step_xml.data(), step_xml.size())) return false;
  const auto info = doc.select_node("//Step_Info").node();
  if (!info) return false;
  std::map<int, int> type_of;              // step id -> Neware step type
  std::vector<std::pair<int, int>> loops;  // (loop step id, first step of its body)
  for (auto step : info.children()) {
    const int id = step.attribute("Step_ID").as_int(0);
    if (id <= 0) continue;
    const int type = step.attribute("Step_Type").as_int(0);
    type_of[id] = type;
    if (type == 5)
      if (const auto start = step.child("Limit").child("Other").child("Start_Step").attribute("Value"))
        loops.emplace_back(id, start.as_int(0));
  }
  // Not charge or discharge: rest 4, loop 5, stop 6, pause 12, control 20, OCV 21.
  auto passes_current = [](int type) { return type != 4 && type != 5 && type != 6 && type != 12 && type != 20 && type != 21; };
  std::set<int> cycle_starts;
  for (const auto& [loop, start] : loops)
    for (int id = start; id < loop; ++id)
      if (auto it = type_of.find(id); it != type_of.end() && passes_current(it->second)) {
        cycle_starts.insert(start);
        break;
      }
  if (cycle_starts.empty()) return false;
  Column* cycle = t.find(col::cycle);
  const Column* step_index = t.find(col::step);
  const Column* count = t.find("Step");
  const Column* kind = t.find(col::step_kind);
  if (!cycle || !step_index || !count || !kind) return false;
  const std::size_t n = t.rows();
  std::vector<double> out(n, 1.0);
  double c = 1;
  bool charged = false, discharged = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double id = step_index->values[i];
    if (!std::isfinite(id) || !type_of.count(static_cast<int>(id))) return false;
    const bool new_step = i > 0 && count->values[i] != count->values[i - 1];
    const bool jumped_back = new_step && id <= step_index->values[i - 1];
    if (new_step && (cycle_starts.count(static_cast<int>(id)) || jumped_back) && charged && discharged)
      c += 1, charged = discharged = false;
    const auto k = step_kind_from_number(kind->values[i]);
    charged = charged || is_charge(k);
    discharged = discharged || is_discharge(k);
    out[i] = c;
  }
  cycle->values = std::move(out);
  cycle->source_name = "BTSDA cycle index (from Step.xml's loops)";
  return true;
}

}  // namespace

Table read_neware_ndax(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::vector<std::string> skipped_entries;
  const NdaxArchive zip(path, skipped_entries);
  if (!zip.find("data.ndc")) throw Error(file, std::string(kNdax), "the archive has no data.ndc (not a Neware .ndax file?)");
  const auto data_header = zip.header("data.ndc");
  const int filetype = data_header[0];
  const int version = data_header[2];
  if (filetype != 1) throw Error(file, std::string(kNdax), fmt::format("data.ndc has file type {}, expected 1", filetype));
  Table t;
  if (version == 5) {
    Records r;
    read_ndc5_data(zip, r, file);
    t = to_table(r, file, "neware-ndax");
    t.meta.extra["neware.ndc_version"] = "5";
  } else if (version == 14 || version == 17) {
    t = read_ndax_split(zip, version, file);
    read_ndax_aux(zip, t);
  } else {
    throw Error(file, std::string(kNdax),
                fmt::format("data.ndc version {} is not supported (castor reads ndc versions 5, 14 and 17)", version));
  }
  for (const auto& [name, entry] : zip.entries()) {
    const bool used =
        name == "data.ndc" || name == "Step.xml" || name == "VersionInfo.xml" || name == "TestInfo.xml" ||
        ((version == 14 || version == 17) && (name == "data_runInfo.ndc" || name == "data_step.ndc" || name.starts_with("data_AUX_")));
    if (!used) t.meta.not_read.push_back(fmt::format("archive entry {} ({} bytes)", name, entry.size));
  }
  for (const auto& name : skipped_entries) t.meta.not_read.push_back(fmt::format("archive entry {}", name));
  if (zip.find("Step.xml")) {
    const auto bytes = zip.bytes("Step.xml");
    const std::string xml(bytes.begin(), bytes.end());
    if (auto scq = xml_attribute_number(xml, "SCQ", "Value"); scq && *scq > 0) t.meta.active_mass_g = *scq * 1e-6;  // stored in µg
    if (count_btsda_cycles(xml, t))
      t.meta.extra["neware.cycle"] = "cycle = BTSDA's cycle index, counted at Step.xml's loop steps; raw Cycle = the records' loop counter";
  }
  if (zip.find("TestInfo.xml")) {
    // The channel as TestInfo.xml stores it: DevID-UnitID-ChlID (BTSDA may number units from 1).
    const auto bytes = zip.bytes("TestInfo.xml");
    const std::string xml(bytes.begin(), bytes.end());
    const auto dev = xml_attribute_text(xml, "TestInfo", "DevID"), unit = xml_attribute_text(xml, "TestInfo", "UnitID"),
               chl = xml_attribute_text(xml, "TestInfo", "ChlID");
    if (dev && unit && chl) t.meta.extra["channel"] = to_utf8(*dev + "-" + *unit + "-" + *chl);
    if (auto remark = xml_attribute_text(xml, "TestInfo", "Remark"); remark && !remark->empty())
      t.meta.extra["comments"] = to_utf8(*remark);
    if (auto test = xml_attribute_text(xml, "TestInfo", "TestID")) t.meta.extra["neware.test_id"] = to_utf8(*test);
  }
  if (zip.find("VersionInfo.xml")) {
    const auto bytes = zip.bytes("VersionInfo.xml");
    const std::string xml(bytes.begin(), bytes.end());
    const auto p = xml.find("SvrVer=\"");
    if (p != std::string::npos) t.meta.software_version = "BTS " + xml.substr(p + 8, xml.find('"', p + 8) - p - 8);
  }
  return t;
}

Table read_neware_nda(const std::filesystem::path& path) {
  const std::string file = path.string();
  const MappedFile mapped(path, std::string(kNda));
  const std::span<const std::uint8_t> bytes = mapped.bytes();
  ByteReader br(bytes, file, std::string(kNda));
  if (bytes.size() < 16 || br.bytes_at(0, 6) != "NEWARE") br.fail(0, "not a Neware .nda file (missing 'NEWARE' magic)");
  const int version = bytes[14];
  Table t;
  if (version >= 14 && version <= 29)
    t = read_nda_86(bytes, file, version);
  else if (version == 130)
    t = read_nda_130(bytes, file);
  else
    br.fail(14, fmt::format("nda version {} is not supported (castor reads versions 14-29 and 130)", version));
  t.meta.extra["neware.nda_version"] = fmt::format("{}", version);
  return t;
}

}  // namespace castor::io
