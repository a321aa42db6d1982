#include "castor/cycling/batch.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/cycling/cycling_report.h"
#include "castor/io/detect.h"
#include "castor/io/read.h"

namespace castor::cycling {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// One CSV record (RFC 4180 quotes; no newlines inside quotes).
std::vector<std::string> split_csv(std::string_view line, const std::string& file, std::size_t number) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',') {
      out.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) throw Error(file, "cells table", "a quoted field is not closed").at_line(number);
  out.push_back(was_quoted ? field : trim(field));
  return out;
}

bool has_glob_characters(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

// The mass a cell is evaluated with: its cells-table row, else the batch's option, else
// (left empty) the file's own.
std::optional<ActiveMass> mass_of(const CellEntry* e, const CyclingOptions& o) {
  if (e) {
    if (e->mass_mg) {
      auto m = ActiveMass::given_mg(*e->mass_mg);
      m.how += fmt::format(" (cells table, line {})", e->line);
      return m;
    }
    if (e->loading_mg_cm2) {
      auto m = ActiveMass::from_loading(*e->loading_mg_cm2, *e->area_cm2);
      m.how += fmt::format(" (cells table, line {})", e->line);
      return m;
    }
  }
  return o.mass;
}

}  // namespace

std::vector<CellEntry> read_cells_table(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(file, "cells table", "cannot be opened");
  std::string line;
  std::size_t number = 0;
  std::vector<std::string> header;
  std::vector<CellEntry> cells;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    auto fields = split_csv(line, file, number);
    if (header.empty()) {
      header = fields;
      for (auto& h : header) std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      const bool id = std::count(header.begin(), header.end(), "cell_id") == 1,
                 files = std::count(header.begin(), header.end(), "files") == 1;
      if (!id || !files)
        throw Error(
            file, "cells table",
            "the header needs one cell_id and one files column (and may have mass_mg, loading_mg_cm2, area_cm2, formula, ion, notes)")
            .at_line(number);
      continue;
    }
    if (fields.size() > header.size())
      throw Error(file, "cells table", fmt::format("{} fields for {} columns", fields.size(), header.size())).at_line(number);
    fields.resize(header.size());
    CellEntry e;
    e.line = number;
    std::vector<std::string> extra;
    auto number_of = [&](const std::string& text, const std::string& what) -> std::optional<double> {
      if (text.empty()) return std::nullopt;
      try {
        const double v = parse_number(text, what);
        if (!(v > 0) || !std::isfinite(v)) throw Error(fmt::format("{} '{}' must be a positive number", what, text));
        return v;
      } catch (const Error& err) {
        throw Error(file, "cells table", err.reason()).at_line(number);
      }
    };
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string& h = header[c];
      const std::string& v = fields[c];
      if (h == "cell_id")
        e.cell_id = v;
      else if (h == "files") {
        std::stringstream ss(v);
        std::string p;
        while (std::getline(ss, p, ';'))
          if (!trim(p).empty()) e.patterns.push_back(trim(p));
      } else if (h == "mass_mg")
        e.mass_mg = number_of(v, "mass_mg");
      else if (h == "loading_mg_cm2")
        e.loading_mg_cm2 = number_of(v, "loading_mg_cm2");
      else if (h == "area_cm2")
        e.area_cm2 = number_of(v, "area_cm2");
      else if (h == "formula")
        e.formula = v;
      else if (h == "ion")
        e.ion = v;
      else if (h == "notes")
        e.notes = v;
      else if (!v.empty())
        extra.push_back(h + "=" + v);
    }
    if (!extra.empty()) e.notes += (e.notes.empty() ? "" : "; ") + joined(extra, "; ");
    if (e.cell_id.empty()) throw Error(file, "cells table", "a row without cell_id").at_line(number);
    if (e.patterns.empty()) throw Error(file, "cells table", fmt::format("cell '{}' has no files pattern", e.cell_id)).at_line(number);
    if (e.mass_mg && e.loading_mg_cm2)
      throw Error(file, "cells table", fmt::format("cell '{}': give mass_mg or loading_mg_cm2, not both", e.cell_id)).at_line(number);
    if (e.loading_mg_cm2 && !e.area_cm2)
      throw Error(file, "cells table", fmt::format("cell '{}': loading_mg_cm2 needs area_cm2", e.cell_id)).at_line(number);
    for (const auto& other : cells)
      if (other.cell_id == e.cell_id)
        throw Error(file, "cells table", fmt::format("cell '{}' is listed twice (lines {} and {})", e.cell_id, other.line, number))
            .at_line(number);
    cells.push_back(std::move(e));
  }
  if (header.empty()) throw Error(file, "cells table", "is empty: it needs a header line (cell_id,files,...) and one row per cell");
  return cells;
}

const CellEntry* match_cell(const std::vector<CellEntry>& cells, const std::filesystem::path& file) {
  const std::string name = file.filename().string(), whole = file.generic_string();
  for (const auto& c : cells)
    for (const auto& p : c.patterns) {
      const bool path_pattern = p.find('/') != std::string::npos;
      const std::string& subject = path_pattern ? whole : name;
      if (fnmatch(p.c_str(), subject.c_str(), 0) == 0) return &c;
      // A path pattern also matches the end of the path ("cellA/*.mpr" within data/cellA/x.mpr).
      if (path_pattern && fnmatch(("*/" + p).c_str(), subject.c_str(), 0) == 0) return &c;
    }
  return nullptr;
}

BatchInputs expand_batch_inputs(const std::vector<std::string>& arguments) {
  namespace fs = std::filesystem;
  BatchInputs in;
  for (const auto& a : arguments) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(a, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path());
      if (ec) throw Error(a, "folder", fmt::format("cannot be listed: {}", ec.message())).of_kind(ErrorKind::resource);
      std::sort(found.begin(), found.end());
      for (const auto& f : found) {
        io::Format format = io::Format::unknown;
        try {
          format = io::detect_format(f);
        } catch (const Error& e) {
          in.skipped.push_back(fmt::format("{}: {}", f.string(), e.reason()));
          continue;
        }
        if (format == io::Format::unknown)
          in.skipped.push_back(fmt::format("{}: not a cycler table castor recognises", f.string()));
        else
          in.files.push_back(f);
      }
    } else if (fs::exists(a, ec)) {
      in.files.emplace_back(a);
    } else if (has_glob_characters(a)) {
      glob_t g{};
      const int rc = glob(a.c_str(), 0, nullptr, &g);
      if (rc == 0)
        for (std::size_t i = 0; i < g.gl_pathc; ++i) in.files.emplace_back(g.gl_pathv[i]);
      globfree(&g);
      if (rc != 0) throw Error(a, "batch input", "the pattern matches no file", ErrorKind::usage);
    } else {
      throw Error(a, "batch input", "no such file or folder", ErrorKind::usage);
    }
  }
  if (in.files.empty()) throw Error("batch: no cycler file to read in the given arguments", ErrorKind::usage);
  return in;
}

std::size_t BatchResult::failed() const {
  return std::size_t(std::count_if(cells.begin(), cells.end(), [](const BatchCell& c) { return !c.result; }));
}

BatchCell analyse_cell(const std::filesystem::path& file, const BatchOptions& options) {
  BatchCell cell;
  cell.file = file.string();
  const CellEntry* entry = options.cells.empty() ? nullptr : match_cell(options.cells, file);
  if (entry) cell.entry = *entry;
  cell.cell_id = entry ? entry->cell_id : file.stem().string();
  try {
    if (options.require_cell_entry && !entry) throw Error(cell.file, "", "no row of the cells table matches this file");
    Table t = io::read_table(file);
    cell.format = t.meta.format;
    cell.instrument = t.meta.instrument;
    if (auto it = t.meta.extra.find("channel"); it != t.meta.extra.end()) cell.channel = it->second;
    CyclingOptions o = options.cycling;
    o.mass = mass_of(entry, options.cycling);
    cell.result = analyse_cycling(t, o);
  } catch (...) {
    const Error e = current_error();
    cell.error = e.what();
    cell.error_exit_status = e.exit_status();
    cell.result.reset();
  }
  return cell;
}

BatchResult run_batch(const std::vector<std::filesystem::path>& files, const BatchOptions& options) {
  BatchResult out;
  out.cells.resize(files.size());
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<std::size_t>(threads, std::max<std::size_t>(files.size(), 1)));
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      out.cells[i] = analyse_cell(files[i], options);
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(++done, files.size());
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  return out;
}

report::Report to_report(const BatchResult& r) {
  report::Report rep;
  rep.analysis = "batch";
  rep.summary = fmt::format("{} files: {} evaluated, {} failed", r.cells.size(), r.cells.size() - r.failed(), r.failed());
  for (const auto& s : r.skipped) rep.notes.push_back("skipped " + s);
  if (std::any_of(r.cells.begin(), r.cells.end(), [](const BatchCell& c) { return c.result && !c.result->warnings.empty(); }))
    rep.notes.push_back(
        "a cell with warnings has numbers castor cannot fully stand behind (a placeholder or implausible mass, a damaged "
        "file, ...): the warnings are in the CSV/JSON warnings column, and castor cycling FILE prints them");
  report::ReportTable cells;
  cells.name = "cells";
  std::vector<std::string> file, id, format, instrument, channel, mass_how, warnings, error, formula, ion;
  std::vector<double> warning_count, mass, cycles, first_q, last_q, first_sq, last_sq, first_ce, last_ce, retention;
  report::ReportTable long_cycles;
  long_cycles.name = "cycles";
  long_cycles.in_text = false;
  std::vector<std::string> lc_id, lc_file, lc_flags;
  std::vector<double> lc_cycle, lc_ch, lc_dis, lc_sch, lc_sdis, lc_ce, lc_ret;
  for (const auto& c : r.cells) {
    file.push_back(c.file);
    id.push_back(c.cell_id);
    format.push_back(c.format);
    instrument.push_back(c.instrument);
    channel.push_back(c.channel);
    formula.push_back(c.entry ? c.entry->formula : "");
    ion.push_back(c.entry ? c.entry->ion : "");
    error.push_back(c.error);
    if (!c.error.empty()) rep.warnings.push_back(c.error);
    double m = kNaN, n = kNaN, fq = kNaN, lq = kNaN, fsq = kNaN, lsq = kNaN, fce = kNaN, lce = kNaN, ret = kNaN;
    std::string how, warn;
    if (c.result) {
      const auto& res = *c.result;
      if (res.mass) {
        m = res.mass->grams * 1e3;
        how = res.mass->how;
      }
      const auto rep1 = to_report(res);
      auto value = [&](const char* name) {
        for (const auto& q : rep1.values)
          if (q.name == name) return q.value;
        return kNaN;
      };
      n = value("cycles");
      fq = value("first_discharge_capacity");
      lq = value("last_discharge_capacity");
      fsq = value("first_discharge_specific_capacity");
      lsq = value("last_discharge_specific_capacity");
      fce = value("first_coulombic_efficiency");
      lce = value("last_coulombic_efficiency");
      ret = value("retention");
      warn = joined(rep1.warnings, "; ");
      warning_count.push_back(double(rep1.warnings.size()));
      for (const auto& cy : res.cycles) {
        lc_id.push_back(c.cell_id);
        lc_file.push_back(c.file);
        lc_cycle.push_back(cy.cycle);
        lc_ch.push_back(cy.charge_mAh);
        lc_dis.push_back(cy.discharge_mAh);
        lc_sch.push_back(res.specific(cy.charge_mAh));
        lc_sdis.push_back(res.specific(cy.discharge_mAh));
        lc_ce.push_back(cy.coulombic_efficiency);
        lc_ret.push_back(cy.retention);
        lc_flags.push_back(joined(cy.flags, ";"));
      }
    }
    if (!c.result) warning_count.push_back(kNaN);
    mass.push_back(m);
    mass_how.push_back(how);
    cycles.push_back(n);
    first_q.push_back(fq);
    last_q.push_back(lq);
    first_sq.push_back(fsq);
    last_sq.push_back(lsq);
    first_ce.push_back(fce);
    last_ce.push_back(lce);
    retention.push_back(ret);
    warnings.push_back(warn);
  }
  cells.add_texts("cell_id", id);
  cells.add_texts("file", file).in_text = false;
  cells.add_texts("format", format);
  cells.add_texts("instrument", instrument).in_text = false;
  cells.add_texts("channel", channel).in_text = false;
  cells.add_numbers("mass", "mg", mass, "{:.4g}");
  cells.add_texts("mass_source", mass_how).in_text = false;
  cells.add_texts("formula", formula).in_text = false;
  cells.add_texts("ion", ion).in_text = false;
  cells.add_numbers("cycles", "", cycles, "{:.0f}");
  cells.add_numbers("first_discharge_capacity", "mAh", first_q, "{:.5g}", "Qdis1 mAh");
  cells.add_numbers("last_discharge_capacity", "mAh", last_q, "{:.5g}", "Qdis_last mAh");
  cells.add_numbers("first_discharge_specific_capacity", "mAh/g", first_sq, "{:.5g}", "Qdis1 mAh/g");
  cells.add_numbers("last_discharge_specific_capacity", "mAh/g", last_sq, "{:.5g}").in_text = false;
  cells.add_numbers("first_coulombic_efficiency", "", first_ce, "{:.2f}", "CE1 %", 100);
  cells.add_numbers("last_coulombic_efficiency", "", last_ce, "{:.2f}", "CE_last %", 100);
  cells.add_numbers("retention", "", retention, "{:.4f}");
  cells.add_numbers("warning_count", "", warning_count, "{:.0f}", "warnings");
  cells.add_texts("warnings", warnings).in_text = false;
  cells.add_texts("error", error);
  long_cycles.add_texts("cell_id", lc_id);
  long_cycles.add_texts("file", lc_file);
  long_cycles.add_numbers("cycle", "", lc_cycle);
  long_cycles.add_numbers("charge_capacity", "mAh", lc_ch);
  long_cycles.add_numbers("discharge_capacity", "mAh", lc_dis);
  long_cycles.add_numbers("charge_specific_capacity", "mAh/g", lc_sch);
  long_cycles.add_numbers("discharge_specific_capacity", "mAh/g", lc_sdis);
  long_cycles.add_numbers("coulombic_efficiency", "", lc_ce);
  long_cycles.add_numbers("retention", "", lc_ret);
  long_cycles.add_texts("flags", lc_flags);
  rep.tables.push_back(std::move(cells));
  rep.tables.push_back(std::move(long_cycles));
  return rep;
}

}  // namespace castor::cycling
