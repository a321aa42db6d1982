#include "castor/report/cell_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/provenance.h"
#include "castor/cv/cv.h"
#include "castor/cv/cv_report.h"
#include "castor/cycling/cycling_report.h"
#include "castor/cycling/figures.h"
#include "castor/eis/eis_report.h"
#include "castor/eis/figures.h"
#include "castor/eis/read_impedance.h"
#include "castor/gitt/gitt.h"
#include "castor/gitt/gitt_report.h"
#include "castor/io/read.h"

namespace castor::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool mostly_sweeps(const cycling::CyclingResult& r) {
  std::size_t sweeps = 0, active = 0;
  for (const auto& s : r.steps) {
    if (s.step.kind == StepKind::rest || s.step.kind == StepKind::unknown) continue;
    ++active;
    sweeps += s.step.kind == StepKind::sweep;
  }
  return active > 0 && 2 * sweeps >= active;
}

std::string subtitle_of(const Table& t) {
  std::string s = t.meta.source_file;
  if (!t.meta.format.empty()) s += " (" + t.meta.format + ")";
  if (!t.meta.instrument.empty()) s += ", " + t.meta.instrument;
  if (!t.meta.start_time.empty()) s += ", started " + t.meta.start_time;
  return s;
}

// dQ/dV of the first cycle with both halves.
void add_dqdv(HtmlSection& sec, const Table& t, const cycling::CyclingResult& r, const cycling::DqdvOptions& o) {
  for (const auto& c : r.cycles) {
    if (!c.first || !c.second) continue;
    try {
      const auto curves = cycling::dqdv_of_cycle(t, r, c.cycle, o);
      std::vector<cycling::DqdvCurve> cs;
      std::vector<std::string> titles;
      for (const auto& [title, curve] : curves) {
        cs.push_back(curve);
        titles.push_back(title);
      }
      auto fig = cycling::dqdv_figure(cs, titles);
      fig.title = fmt::format("dQ/dV, cycle {}", c.cycle);
      sec.figures.push_back(std::move(fig));
    } catch (...) {
      sec.report.notes.push_back(fmt::format("no dQ/dV of cycle {}: {}", c.cycle, current_error().reason()));
    }
    return;
  }
}

HtmlSection cycling_section(const cycling::BatchCell& cell, const Table& t, const CellReportOptions& o) {
  HtmlSection sec;
  sec.title = cell.cell_id;
  sec.subtitle = subtitle_of(t);
  const auto& r = *cell.result;
  sec.report = cycling::to_report(r);
  if (!r.cycles.empty()) {
    auto cap = cycling::capacity_figure(r);
    sec.figures.push_back(std::move(cap));
    sec.figures.push_back(cycling::profile_figure(t, r));
    add_dqdv(sec, t, r, o.batch.cycling.dqdv);
  }
  if (!o.gitt_formula.empty() && o.gitt_radius_nm > 0) {
    try {
      gitt::GittOptions g;
      const auto f = chem::parse_formula(o.gitt_formula);
      g.molar_mass_g_mol = f.molar_mass_g_mol;
      g.ion_charge = chem::ion_charge(o.ion);
      if (!r.mass) throw Error("GITT needs the active mass (--mass-mg or the cells table)");
      g.mass_g = r.mass->grams;
      g.geometry = gitt::Geometry::sphere;
      g.radius_cm = o.gitt_radius_nm * 1e-7;
      const auto gr = gitt::analyse_gitt(t, g);
      if (gr.pulses.size() >= 2) {
        HtmlSection gs;
        gs.title = cell.cell_id + ": GITT";
        gs.subtitle = sec.subtitle;
        gs.report = gitt::to_report(gr, g, t.meta.source_file, gitt::default_soc_windows());
        for (auto& fig : gitt::figures(t, gr, cell.cell_id)) gs.figures.push_back(std::move(fig));
        sec.report.notes.push_back("GITT: see the next section");
        sec.figures.insert(sec.figures.end(), gs.figures.begin(), gs.figures.end());
        sec.report.tables.push_back(gs.report.tables.front());
        for (const auto& w : gs.report.warnings) sec.report.warnings.push_back("GITT: " + w);
        sec.report.notes.push_back("GITT: " + gs.report.summary);
      }
    } catch (...) {
      sec.report.notes.push_back("no GITT evaluation: " + current_error().reason());
    }
  }
  return sec;
}

HtmlSection cv_section(const cycling::BatchCell& cell, const Table& t) {
  HtmlSection sec;
  sec.title = cell.cell_id + " (cyclic voltammetry)";
  sec.subtitle = subtitle_of(t);
  std::vector<cv::CvRun> runs;
  runs.push_back({t.meta.source_file, t, cv::analyse_cv(t)});
  sec.report = cv::to_report(runs, std::nullopt, cv::ScanRateInputs{});
  sec.figures.push_back(cv::figure(runs, std::nullopt));
  return sec;
}

std::vector<HtmlSection> impedance_sections(const std::filesystem::path& file, const std::string& id) {
  std::vector<HtmlSection> out;
  const auto spectra = eis::read_impedance(file);
  std::size_t k = 0;
  for (const auto& s : spectra) {
    ++k;
    if (k > 3) {  // a long series: the first three (castor eis series evaluates all of them)
      out.back().report.notes.push_back(fmt::format("{} more spectra in the file are not shown (castor eis series)", spectra.size() - 3));
      break;
    }
    HtmlSection sec;
    sec.title = spectra.size() > 1 ? fmt::format("{} (impedance, spectrum {})", id, k) : id + " (impedance)";
    sec.subtitle = s.source;
    for (auto& fig : eis::nyquist_bode(s, {}, {}, "")) sec.figures.push_back(std::move(fig));
    try {
      const auto check = eis::check_kk(s);
      sec.report = eis::to_report(check, s);
      sec.figures.push_back(eis::kk_figure(check, s));
    } catch (...) {
      sec.report.summary = fmt::format("{} points", s.size());
      sec.report.warnings.push_back("no Kramers-Kronig check: " + current_error().reason());
    }
    for (const auto& w : s.warnings) sec.report.warnings.push_back("file: " + w);
    out.push_back(std::move(sec));
  }
  return out;
}

bool has_impedance(const Table& t) {
  const Column* f = t.find(col::freq_Hz);
  return f && std::any_of(f->values.begin(), f->values.end(), [](double v) { return std::isfinite(v) && v > 0; });
}

// Capacity (mAh/g where every cell has a mass, else mAh) and CE against cycle, every cell.
std::vector<Figure> batch_figures(const cycling::BatchResult& b) {
  bool specific = true;
  for (const auto& c : b.cells)
    if (c.result && !c.result->mass) specific = false;
  Figure cap, ce;
  cap.title = "discharge capacity against cycle";
  cap.xlabel = "cycle";
  cap.ylabel = specific ? "discharge capacity (mAh/g)" : "discharge capacity (mAh)";
  ce.title = "coulombic efficiency against cycle";
  ce.xlabel = "cycle";
  ce.ylabel = "CE (%)";
  for (const auto& c : b.cells) {
    if (!c.result || c.result->cycles.empty()) continue;
    std::vector<double> x, q, e;
    for (const auto& cy : c.result->cycles) {
      x.push_back(cy.cycle);
      q.push_back(specific ? c.result->specific(cy.discharge_mAh) : cy.discharge_mAh);
      e.push_back(std::isfinite(cy.coulombic_efficiency) ? 100 * cy.coulombic_efficiency : kNaN);
    }
    cap.series.emplace_back(c.cell_id, x, q, "linespoints");
    ce.series.emplace_back(c.cell_id, x, e, "linespoints");
    for (const auto& w : c.result->warnings)
      if (w.find("active mass") != std::string::npos) cap.warnings.push_back(c.cell_id + ": " + w);
  }
  std::vector<Figure> out;
  if (!cap.series.empty()) {
    out.push_back(std::move(cap));
    out.push_back(std::move(ce));
  }
  return out;
}

}  // namespace

HtmlPage cell_report(const std::vector<std::filesystem::path>& files, const CellReportOptions& o) {
  if (files.empty()) throw Error("report: no file to report on", ErrorKind::usage);
  HtmlPage page;
  page.title =
      files.size() == 1 ? "castor report: " + files.front().filename().string() : fmt::format("castor report: {} cells", files.size());
  page.header.push_back(fmt::format("castor {} · {}", version(), command_line()));
  page.header.push_back("Numbers castor cannot fully stand behind carry a WARNING beside them; hover a table cell for its full value.");
  cycling::BatchResult batch;  // the cycling cells (and the files that could not be read)
  std::vector<std::string> other_records;
  std::vector<HtmlSection> sections;
  std::size_t done = 0;
  for (const auto& f : files) {
    auto cell = cycling::analyse_cell(f, o.batch);
    try {
      const Table t = io::read_table(f);
      if (has_impedance(t)) {
        for (auto& s : impedance_sections(f, cell.cell_id)) sections.push_back(std::move(s));
        other_records.push_back(cell.cell_id + ": an impedance record (its own section)");
        cell.result.reset();
        cell.error.clear();
      } else if (cell.result && mostly_sweeps(*cell.result)) {
        sections.push_back(cv_section(cell, t));
        other_records.push_back(cell.cell_id + ": a voltammogram (its own section)");
        cell.result.reset();
        cell.error.clear();
      } else if (cell.result) {
        sections.push_back(cycling_section(cell, t, o));
      } else {
        HtmlSection s;
        s.title = cell.cell_id;
        s.subtitle = subtitle_of(t);
        s.report.warnings.push_back("could not be evaluated: " + cell.error);
        sections.push_back(std::move(s));
      }
    } catch (...) {
      // Not a cycler table: perhaps a spectrum file of its own (ZView, Gamry EIS, ...).
      const Error table_error = current_error();
      try {
        for (auto& s : impedance_sections(f, cell.cell_id)) sections.push_back(std::move(s));
        other_records.push_back(cell.cell_id + ": an impedance record (its own section)");
        cell.result.reset();
        cell.error.clear();
      } catch (...) {
        HtmlSection s;
        s.title = cell.cell_id;
        s.subtitle = f.string();
        s.report.warnings.push_back("could not be read: " + std::string(table_error.what()));
        sections.push_back(std::move(s));
        cell.error = table_error.what();
      }
    }
    if (cell.result || !cell.error.empty()) batch.cells.push_back(std::move(cell));
    if (o.progress) o.progress(++done, files.size());
  }
  if (files.size() > 1) {
    HtmlSection overview;
    overview.id = "cells";
    overview.title = "cells";
    overview.report = cycling::to_report(batch);
    for (const auto& r : other_records) overview.report.notes.push_back(r);
    overview.figures = batch_figures(batch);
    page.sections.push_back(std::move(overview));
  }
  for (auto& s : sections) page.sections.push_back(std::move(s));
  return page;
}

}  // namespace castor::report
