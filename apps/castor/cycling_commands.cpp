#include <algorithm>
#include "cycling_commands.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/batch.h"
#include "castor/cycling/compare.h"
#include "castor/cycling/cycling_report.h"
#include "castor/cycling/cycling.h"
#include "castor/cycling/figures.h"
#include "castor/cycling/pseudo_ocv.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/report/cell_report.h"
#include "report_output.h"
#include "strict.h"
#include "terminal.h"

namespace castor::cli {
namespace {

struct MassFlags {
  double mass_mg = 0, loading_mg_cm2 = 0, area_cm2 = 0, electrode_mg = 0;
  std::vector<double> fractions;
};

void add_mass_flags(CLI::App* c, MassFlags& m) {
  c->add_option("--mass-mg", m.mass_mg, "active mass in mg");
  c->add_option("--loading-mg-cm2", m.loading_mg_cm2, "active loading in mg/cm2 (with --area-cm2)");
  c->add_option("--area-cm2", m.area_cm2, "electrode area in cm2");
  c->add_option("--electrode-mg", m.electrode_mg, "electrode (coating) mass in mg (with --fraction)");
  c->add_option("--fraction", m.fractions, "mass fraction(s) of active material, multiplied: --fraction 0.78 --fraction 0.80");
}

std::optional<cycling::ActiveMass> mass_from(const MassFlags& m) {
  const int given = (m.mass_mg > 0) + (m.loading_mg_cm2 > 0) + (m.electrode_mg > 0);
  if (given > 1)
    throw Error("give the active mass one way: --mass-mg, --loading-mg-cm2 with --area-cm2, or --electrode-mg with --fraction");
  if (m.mass_mg > 0) return cycling::ActiveMass::given_mg(m.mass_mg);
  if (m.loading_mg_cm2 > 0) {
    if (!(m.area_cm2 > 0)) throw Error("--loading-mg-cm2 needs --area-cm2");
    return cycling::ActiveMass::from_loading(m.loading_mg_cm2, m.area_cm2);
  }
  if (m.electrode_mg > 0) {
    if (m.fractions.empty()) throw Error("--electrode-mg needs at least one --fraction");
    return cycling::ActiveMass::from_electrode(m.electrode_mg, m.fractions);
  }
  return std::nullopt;
}

struct DqdvFlags {
  double grid_mV = 1, window_mV = 20;
  int order = 3;
  std::string smoothing = "savitzky-golay";
  double prominence = 0.1;
};

void add_dqdv_flags(CLI::App* c, DqdvFlags& d) {
  c->add_option("--grid-mV", d.grid_mV, "voltage grid step in mV")->capture_default_str();
  c->add_option("--window-mV", d.window_mV, "smoothing window in mV")->capture_default_str();
  c->add_option("--order", d.order, "Savitzky-Golay polynomial order")->capture_default_str();
  c->add_option("--smoothing", d.smoothing, "savitzky-golay, smoothing-spline or none")->capture_default_str();
  c->add_option("--min-prominence", d.prominence, "peaks below this fraction of the largest |dQ/dV| are dropped")->capture_default_str();
}

cycling::DqdvOptions dqdv_options(const DqdvFlags& d) {
  cycling::DqdvOptions o;
  o.grid_step_V = d.grid_mV * 1e-3;
  o.window_V = d.window_mV * 1e-3;
  o.polyorder = d.order;
  o.min_prominence_fraction = d.prominence;
  const auto s = cycling::smoothing_from_string(d.smoothing);
  if (!s) throw Error(fmt::format("--smoothing '{}': use savitzky-golay, smoothing-spline or none", d.smoothing));
  o.smoothing = *s;
  return o;
}

struct Common {
  std::vector<std::string> files;  // one experiment: several files are joined in time order
  std::string output, format, voltage = "working";
  std::string file() const {
    std::string s;
    for (const auto& f : files) s += (s.empty() ? "" : " + ") + f;
    return s;
  }
  double rest_current_A = 0;
  std::string cycle_rule = "auto", ce = "auto";
  bool current_steps = false, strict = false;
  MassFlags mass;
  DqdvFlags dqdv;
};

Table read_for_analysis(const Common& c) {
  io::ReadOptions ro;
  if (!c.format.empty()) ro.format = io::format_from_string(c.format);
  Table t = io::read_tables_joined(std::vector<std::filesystem::path>(c.files.begin(), c.files.end()), ro);
  if (c.voltage == "cell") {
    t = cycling::with_cell_voltage(t);
    // Analyse the two-electrode voltage: it takes the place of voltage_V.
    auto cell = t.values("cell_voltage_V");
    t.add(col::voltage_V, "V", "voltage_V - counter_voltage_V (two-electrode)", ColumnRole::Common, std::move(cell));
  } else if (c.voltage != "working") {
    throw Error(fmt::format("--voltage '{}': use working (vs reference) or cell (working - counter)", c.voltage));
  }
  return t;
}

cycling::CyclingOptions analysis_options(const Common& c) {
  cycling::CyclingOptions o;
  o.mass = mass_from(c.mass);
  o.dqdv = dqdv_options(c.dqdv);
  if (c.rest_current_A > 0) o.segments.rest_current_A = c.rest_current_A;
  o.segments.use_file_columns = !c.current_steps;
  if (c.cycle_rule == "file")
    o.cycles = cycling::CycleRule::file;
  else if (c.cycle_rule == "run-order")
    o.cycles = cycling::CycleRule::run_order;
  else if (c.cycle_rule != "auto")
    throw Error(fmt::format("--cycles '{}': use file, run-order or auto", c.cycle_rule));
  if (c.ce == "discharge/charge")
    o.ce = cycling::CeConvention::discharge_over_charge;
  else if (c.ce == "charge/discharge")
    o.ce = cycling::CeConvention::charge_over_discharge;
  else if (c.ce != "auto")
    throw Error(fmt::format("--ce '{}': use discharge/charge, charge/discharge or auto", c.ce));
  return o;
}

void run_cycling(const Common& c, const std::string& formula, const std::string& ion, bool soc50) {
  const Table t = read_for_analysis(c);
  cycling::CyclingOptions o = analysis_options(c);
  o.hysteresis_soc50 = soc50;
  const auto r = cycling::analyse_cycling(t, o);
  refuse_if_strict(c.strict, r.warnings, c.file(), t.meta.format);
  std::string text = cycling::summary_text(r);
  if (!formula.empty()) {
    const auto f = chem::parse_formula(formula);
    const int z = chem::ion_charge(ion);
    const double qth = chem::theoretical_capacity_mAh_g(f.molar_mass_g_mol, z);
    text += fmt::format("\n{}: M = {:.2f} g/mol; theoretical capacity {:.1f} mAh/g for one {}{}+ ({} e-)\n", formula, f.molar_mass_g_mol,
                        qth, ion, z, z);
    if (r.mass) {
      text += fmt::format("{:>5} {:>12} {:>12}\n", "cycle", fmt::format("{} in 1st", ion), fmt::format("{} out 2nd", ion));
      for (const auto& cy : r.cycles) {
        const double a = cy.first ? r.specific(r.half_cycles[*cy.first].capacity_mAh) : NAN;
        const double b = cy.second ? r.specific(r.half_cycles[*cy.second].capacity_mAh) : NAN;
        text += fmt::format("{:>5} {:>12.3f} {:>12.3f}\n", cy.cycle, a / qth, b / qth);
      }
    } else {
      text += "(ions per formula unit need the active mass)\n";
    }
  }
  fmt::print("{}", text);
  if (c.output.empty()) return;
  const std::filesystem::path out(c.output);
  if (out.extension() == ".json") {
    std::ofstream f(out);
    cycling::write_cycling_json(r, f);
    if (!f) throw Error(out.string(), "json", "cannot write");
    fmt::print(stderr, "wrote {}\n", out.string());
  } else if (out.extension() == ".csv") {
    const auto stem = out.parent_path() / out.stem();
    const std::vector<std::pair<std::string, void (*)(const cycling::CyclingResult&, std::ostream&)>> parts = {
        {"_cycles.csv", cycling::write_cycles_csv}, {"_steps.csv", cycling::write_steps_csv}, {"_rates.csv", cycling::write_rates_csv}};
    for (const auto& [suffix, writer] : parts) {
      const auto p = stem.string() + suffix;
      std::ofstream f(p);
      writer(r, f);
      if (!f) throw Error(p, "csv", "cannot write");
      fmt::print(stderr, "wrote {}\n", p);
    }
  } else {
    throw Error(out.string(), "", "output must end in .json or .csv");
  }
}

void run_ocv(const Common& c, int cycle, int points) {
  const Table t = read_for_analysis(c);
  const auto r = cycling::analyse_cycling(t, analysis_options(c));
  const auto o = cycling::pseudo_ocv(t, r, cycle, points);
  fmt::print(
      "pseudo open-circuit curve of {}, cycle {}: mean of charge ({:.5g} mAh) and discharge ({:.5g} mAh) at equal "
      "filling over {:.5g} mAh\n",
      c.file(), o.cycle, o.charge_mAh, o.discharge_mAh, o.capacity_mAh);
  fmt::print("{:>8} {:>10} {:>12}\n", "filling", "OCV_V", "half_gap_V");
  for (std::size_t k = 0; k < o.filling.size(); ++k)
    fmt::print("{:>8.4f} {:>10.5f} {:>12.5f}\n", o.filling[k], o.ocv_V[k], o.half_gap_V[k]);
  for (const auto& n : o.notes) fmt::print("note: {}\n", n);
  if (!c.output.empty()) {
    std::ofstream f(c.output);
    f << fmt::format(
        "# castor ocv {} --cycle {}: pseudo open-circuit curve (mean of charge and discharge at equal filling)\n"
        "# over {:.6g} mAh; paste into a parameter file's [cathode] section\n[cathode]\nocv_table = [\n",
        c.file(), cycle, o.capacity_mAh);
    for (std::size_t k = 0; k < o.filling.size(); ++k) f << fmt::format("  [{:.6g}, {:.7g}],\n", o.filling[k], o.ocv_V[k]);
    f << "]\n";
    if (!f) throw Error(c.output, "toml", "cannot write");
    fmt::print(stderr, "wrote {}\n", c.output);
  }
}

void run_dqdv(const Common& c, int cycle) {
  const Table t = read_for_analysis(c);
  const auto r = cycling::analyse_cycling(t, analysis_options(c));
  const auto curves = cycling::dqdv_of_cycle(t, r, cycle, dqdv_options(c.dqdv));
  for (const auto& [title, curve] : curves) {
    fmt::print("{}: {}\n", title, curve.method);
    if (curve.peaks.empty()) fmt::print("  no peak above the prominence threshold\n");
    for (const auto& p : curve.peaks)
      fmt::print("  peak {:.4f} V  |dQ/dV| {:.5g} {}/V  prominence {:.4g}\n", p.voltage_V, p.height, curve.capacity_unit, p.prominence);
  }
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  if (c.output.empty()) return;
  std::ofstream f(c.output);
  f << "curve,voltage_V,capacity,dqdv\n";
  for (const auto& [title, curve] : curves)
    for (std::size_t i = 0; i < curve.voltage_V.size(); ++i)
      f << fmt::format("{},{:.6f},{:.9g},{:.9g}\n", title, curve.voltage_V[i], curve.capacity[i], curve.dqdv[i]);
  if (!f) throw Error(c.output, "csv", "cannot write");
  fmt::print(stderr, "wrote {} (capacity in {})\n", c.output, curves.front().second.capacity_unit);
}

void run_plot(const std::string& what, const Common& c, const std::vector<int>& cycles, bool join) {
  if (c.output.empty()) throw Error("plot needs -o FILE.png, FILE.pdf or FILE.svg");
  if (what != "profile" && what != "dqdv" && what != "capacity" && what != "rate")
    throw Error(fmt::format("unknown figure '{}': profile, dqdv, capacity or rate", what));
  const cycling::CyclingOptions o = analysis_options(c);
  // Each file is a cell of its own (a simulated table too), unless --join makes them one
  // experiment.
  std::vector<Common> inputs;
  if (join || c.files.size() == 1) {
    inputs.push_back(c);
  } else {
    for (const auto& f : c.files) {
      Common one = c;
      one.files = {f};
      inputs.push_back(std::move(one));
    }
  }
  std::vector<Table> tables;
  std::vector<cycling::CyclingResult> results;
  tables.reserve(inputs.size());
  results.reserve(inputs.size());
  for (const auto& in : inputs) {
    tables.push_back(read_for_analysis(in));
    results.push_back(cycling::analyse_cycling(tables.back(), o));
    refuse_if_strict(c.strict, results.back().warnings, in.file(), tables.back().meta.format);
  }
  std::vector<cycling::Cell> cells;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    std::string name;
    for (const auto& f : inputs[k].files) name += (name.empty() ? "" : " + ") + std::filesystem::path(f).stem().string();
    cells.push_back({name, &tables[k], &results[k]});
  }
  report::Figure fig;
  if (what == "profile") {
    fig = cycling::profile_figure(cells, cycles);
  } else if (what == "dqdv") {
    std::vector<cycling::DqdvCurve> curves;
    std::vector<std::string> titles;
    for (const auto& cell : cells) {
      const auto& r = *cell.result;
      std::vector<int> chosen = cycles;
      if (chosen.empty())
        for (const auto& cy : r.cycles)
          if (cy.first && cy.second) {
            chosen.push_back(cy.cycle);
            break;
          }
      if (chosen.empty() && !r.cycles.empty()) chosen.push_back(r.cycles.front().cycle);
      for (int n : chosen)
        for (auto& [title, curve] : dqdv_of_cycle(*cell.table, r, n, o.dqdv)) {
          titles.push_back(cells.size() > 1 ? cell.name + " " + title : title);
          curves.push_back(std::move(curve));
        }
    }
    fig = cycling::dqdv_figure(curves, titles);
  } else if (what == "capacity") {
    fig = cycling::capacity_figure(cells);
  } else {
    fig = cycling::rate_figure(cells);
    if (fig.series.empty()) throw Error(c.file(), "", "no constant-current half-cycles: no rate table to draw");
  }
  for (std::size_t k = 0; k < c.files.size(); ++k)
    fig.title += (k ? (join ? " + " : ", ") : " - ") + std::filesystem::path(c.files[k]).filename().string();
  std::vector<std::string> warnings;
  for (const auto& cell : cells)
    for (const auto& w : cell.result->warnings) warnings.push_back(cells.size() > 1 ? cell.name + ": " + w : w);
  fig.warnings.insert(fig.warnings.begin(), warnings.begin(), warnings.end());
  report::draw(fig, c.output);
  fmt::print(stderr, "wrote {}\n", c.output);
}

void run_compare(const Common& c, const std::string& literature, int cycle, const std::string& plot) {
  std::vector<cycling::MapPoint> points;
  if (!literature.empty()) points = cycling::read_literature(literature);
  const cycling::CyclingOptions o = analysis_options(c);
  for (const auto& f : c.files) {
    Common one = c;
    one.files = {f};
    const Table t = read_for_analysis(one);
    const auto r = cycling::analyse_cycling(t, o);
    refuse_if_strict(c.strict, r.warnings, f, t.meta.format);
    points.push_back(
        cycling::map_point(r, std::filesystem::path(f).stem().string(), cycle >= 0 ? std::optional<int>(cycle) : std::nullopt));
  }
  fmt::print("{}", cycling::map_text(points));
  if (!c.output.empty()) {
    const std::filesystem::path out(c.output);
    std::ofstream f(out);
    if (out.extension() == ".json")
      cycling::write_map_json(points, f);
    else if (out.extension() == ".csv")
      cycling::write_map_csv(points, f);
    else
      throw Error(out.string(), "", "output must end in .json or .csv");
    if (!f) throw Error(out.string(), "", "cannot write");
    fmt::print(stderr, "wrote {}\n", out.string());
  }
  if (!plot.empty()) {
    report::draw(cycling::map_figure(points), plot);
    fmt::print(stderr, "wrote {}\n", plot);
  }
}

struct BatchFlags {
  std::string masses;
  unsigned threads = 0;
  bool only_listed = false, quiet = false;
};

void run_batch(const Common& c, const BatchFlags& b) {
  cycling::BatchOptions o;
  o.cycling = analysis_options(c);
  if (!c.format.empty()) throw Error("batch: --format is not taken (every file's format is detected)", ErrorKind::usage);
  if (!b.masses.empty()) o.cells = cycling::read_cells_table(b.masses);
  if (b.only_listed && o.cells.empty()) throw Error("--only-listed needs --masses (the cells table)", ErrorKind::usage);
  o.require_cell_entry = b.only_listed;
  o.threads = b.threads;
  const auto inputs = cycling::expand_batch_inputs(c.files);
  if (show_progress(b.quiet))
    o.progress = [](std::size_t done, std::size_t total) {
      fmt::print(stderr, "\rbatch: {}/{} files", done, total);
      if (done == total) fmt::print(stderr, "\n");
    };
  auto result = cycling::run_batch(inputs.files, o);
  result.skipped = inputs.skipped;
  const auto rep = cycling::to_report(result);
  report::write_text(rep, std::cout);
  if (!c.output.empty()) {
    write_report(rep, c.output, "cells");
    const std::filesystem::path out(c.output);
    if (out.extension() == ".csv") {
      const auto cycles = (out.parent_path() / (out.stem().string() + "_cycles.csv")).string();
      write_report(rep, cycles, "cycles");
    }
  }
  const std::size_t failed = result.failed();
  if (failed == result.cells.size()) throw Error(fmt::format("batch: none of the {} files could be evaluated", failed));
  if (failed && c.strict) throw Error(fmt::format("batch: {} of {} files could not be evaluated (--strict)", failed, result.cells.size()));
}

struct ReportFlags {
  std::string masses, formula, ion = "Li";
  double radius_nm = 0;
  bool quiet = false;
};

void run_report(const Common& c, const ReportFlags& f) {
  if (c.output.empty()) throw Error("castor report needs -o report.html", ErrorKind::usage);
  if (std::filesystem::path(c.output).extension() != ".html")
    throw Error(c.output, "", "the report is an HTML page: -o must end in .html", ErrorKind::usage);
  report::CellReportOptions o;
  o.batch.cycling = analysis_options(c);
  if (!f.masses.empty()) o.batch.cells = cycling::read_cells_table(f.masses);
  o.gitt_formula = f.formula;
  o.gitt_radius_nm = f.radius_nm;
  o.ion = f.ion;
  // Files named directly are taken as they are (an impedance file too); folders and globs
  // give their cycler files.
  std::vector<std::filesystem::path> files;
  std::vector<std::string> skipped;
  for (const auto& a : c.files) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(a, ec)) {
      files.emplace_back(a);
      continue;
    }
    const auto in = cycling::expand_batch_inputs({a});
    files.insert(files.end(), in.files.begin(), in.files.end());
    skipped.insert(skipped.end(), in.skipped.begin(), in.skipped.end());
  }
  if (show_progress(f.quiet))
    o.progress = [](std::size_t done, std::size_t total) {
      fmt::print(stderr, "\rreport: {}/{} files", done, total);
      if (done == total) fmt::print(stderr, "\n");
    };
  auto page = report::cell_report(files, o);
  if (!skipped.empty() && !page.sections.empty())
    for (const auto& s : skipped) page.sections.front().report.notes.push_back("skipped " + s);
  std::ofstream out(c.output, std::ios::binary);
  if (!out) throw Error(c.output, "", "cannot be written", ErrorKind::resource);
  report::write_html(page, out);
  if (!out) throw Error(c.output, "", "write failed (disk full?)", ErrorKind::resource);
  std::size_t figures = 0, warnings = 0;
  for (const auto& s : page.sections) figures += s.figures.size(), warnings += s.report.warnings.size();
  fmt::print("{}: {} section(s), {} figure(s), {} warning(s) for {} file(s)\n", c.output, page.sections.size(), figures, warnings,
             files.size());
}

}  // namespace

void add_cycling_commands(CLI::App& app) {
  auto common = std::make_shared<Common>();
  auto formula = std::make_shared<std::string>();
  auto ion = std::make_shared<std::string>("Li");
  auto soc50 = std::make_shared<bool>(false);
  auto cycle = std::make_shared<int>(1);
  auto cycles = std::make_shared<std::vector<int>>();
  auto what = std::make_shared<std::string>();

  auto add_input = [&](CLI::App* c) {
    c->add_option("FILES", common->files, "instrument file; several files of one experiment are joined in time order")->required();
    c->add_option("--format", common->format, "force a format instead of detecting it");
    c->add_option("--voltage", common->voltage, "working (vs reference, default) or cell (working - counter, two-electrode; needs Ece)");
    add_mass_flags(c, common->mass);
    c->add_option("--rest-current-A", common->rest_current_A,
                  "|I| below this is rest when steps come from the current (default 1e-3 x the 99th percentile of |I|)");
    c->add_option("--cycles", common->cycle_rule,
                  "file (the file's own cycle index; the default where there is one), run-order (two half-cycles each), "
                  "or auto")
        ->capture_default_str();
    c->add_option("--ce", common->ce,
                  "discharge/charge (cathode, full cell), charge/discharge (anode vs metal), or auto (from the cycles' "
                  "first direction)")
        ->capture_default_str();
    c->add_flag("--strict", common->strict, "treat warnings (damaged file, implausible mass) as errors (exit status 2)");
    c->add_flag("--steps-from-current", common->current_steps, "split steps by the current, not by the file's step/cycle columns");
  };

  auto* cyc = app.add_subcommand("cycling", "Capacity, coulombic efficiency, average voltage, hysteresis, flatness per cycle; rate table");
  add_input(cyc);
  cyc->add_option("-o,--output", common->output, "write the tables: out.json, or out.csv -> out_cycles/_steps/_rates.csv");
  cyc->add_option("--formula", *formula, "active material formula, e.g. 'NaTi2(PO4)3', for ions per formula unit");
  cyc->add_option("--ion", *ion, "inserted ion: Li, Na, K, Mg, Ca, Zn, Al")->capture_default_str();
  cyc->add_flag("--hysteresis-soc50", *soc50, "hysteresis from the SOC-50 % voltages instead of dQ/dV peaks");
  add_dqdv_flags(cyc, common->dqdv);
  cyc->callback([=] { run_cycling(*common, *formula, *ion, *soc50); });

  auto batch_flags = std::make_shared<BatchFlags>();
  auto* batch = app.add_subcommand("batch",
                                   "The cycling evaluation of many cells: files, folders (every cycler file under them) or "
                                   "globs, in parallel; one summary row per cell");
  batch->add_option("FILES", common->files, "files, folders or quoted globs ('data/*.mpr')")->required();
  add_mass_flags(batch, common->mass);
  batch->add_option("--masses", batch_flags->masses,
                    "cells table (CSV: cell_id,files[,mass_mg,loading_mg_cm2,area_cm2,formula,ion,notes]; files are "
                    "patterns such as 'NTP_01*.mpr', several separated by ;)");
  batch->add_flag("--only-listed", batch_flags->only_listed, "a file that no row of the cells table matches is an error for that file");
  batch->add_option("--cycles", common->cycle_rule, "file, run-order or auto (as castor cycling)")->capture_default_str();
  batch->add_option("--ce", common->ce, "discharge/charge, charge/discharge or auto (as castor cycling)")->capture_default_str();
  batch->add_flag("--steps-from-current", common->current_steps, "split steps by the current, not by the file's step/cycle columns");
  batch->add_option("-j,--threads", batch_flags->threads, "worker threads (default: all cores)");
  batch->add_option("-o,--output", common->output,
                    "summary.csv (the cells; the cycles of every cell go to summary_cycles.csv) or summary.json (everything)");
  batch->add_flag("--strict", common->strict, "exit status 2 when any file could not be evaluated (default: only when none could)");
  batch->add_flag("-q,--quiet", batch_flags->quiet, "no progress line");
  batch->callback([=] { run_batch(*common, *batch_flags); });

  auto report_flags = std::make_shared<ReportFlags>();
  auto* rep = app.add_subcommand("report",
                                 "One self-contained HTML page (interactive figures, sortable tables, warnings) for a cell or a "
                                 "batch: cycling, dQ/dV, CV, impedance and GITT, as apply");
  rep->add_option("FILES", common->files, "files, folders (their cycler files) or quoted globs")->required();
  add_mass_flags(rep, common->mass);
  rep->add_option("--masses", report_flags->masses, "cells table (as castor batch --masses)");
  rep->add_option("--cycles", common->cycle_rule, "file, run-order or auto (as castor cycling)")->capture_default_str();
  rep->add_option("--ce", common->ce, "discharge/charge, charge/discharge or auto (as castor cycling)")->capture_default_str();
  rep->add_option("--formula", report_flags->formula, "GITT: the active material's formula (with --radius-nm)");
  rep->add_option("--radius-nm", report_flags->radius_nm, "GITT: the particle radius in nm (with --formula)");
  rep->add_option("--ion", report_flags->ion, "GITT: the inserted ion")->capture_default_str();
  rep->add_option("-o,--output", common->output, "report.html")->required();
  rep->add_flag("-q,--quiet", report_flags->quiet, "no progress line");
  rep->callback([=] { run_report(*common, *report_flags); });

  auto* dq = app.add_subcommand("dqdv", "dQ/dV of one cycle (numbered as castor cycling numbers it) with its peaks");
  add_input(dq);
  dq->add_option("--cycle", *cycle, "cycle number, as castor cycling numbers it")->capture_default_str();
  dq->add_option("-o,--output", common->output, "write the curves as CSV");
  add_dqdv_flags(dq, common->dqdv);
  dq->callback([=] { run_dqdv(*common, *cycle); });

  auto ocv_points = std::make_shared<int>(41);
  auto* ocv = app.add_subcommand("ocv",
                                 "A pseudo open-circuit curve from one slow cycle (mean of charge and discharge), as the "
                                 "simulator's cathode.ocv_table");
  add_input(ocv);
  ocv->add_option("--cycle", *cycle, "cycle number, as castor cycling numbers it")->capture_default_str();
  ocv->add_option("--points", *ocv_points, "fillings from 0 (charged) to 1 (discharged)")
      ->capture_default_str()
      ->check(CLI::Range(3, 10000));
  ocv->add_option("-o,--output", common->output, "the table as a TOML snippet (ocv.toml)");
  ocv->callback([=] { run_ocv(*common, *cycle, *ocv_points); });

  auto literature = std::make_shared<std::string>();
  auto map_plot = std::make_shared<std::string>();
  auto map_cycle = std::make_shared<int>(-1);
  auto* cmp = app.add_subcommand("compare", "Place cells on the hysteresis-against-flatness map (paper Fig. 2d) with literature points");
  add_input(cmp);
  cmp->get_option("FILES")->description("cycling files, each a cell on the map");
  cmp->add_option("--literature", *literature,
                  "CSV of literature points: material, hysteresis_V, flatness_mV_per_mAh_g[, voltage_V, capacity_mAh_g], source");
  cmp->add_option("--cycle", *map_cycle, "the cycle to analyse (default: the first complete one)");
  cmp->add_option("-o,--output", common->output, "the table: map.csv or map.json");
  cmp->add_option("--plot", *map_plot, "the map figure (.png, .pdf or .svg)");
  add_dqdv_flags(cmp, common->dqdv);
  cmp->callback([=] { run_compare(*common, *literature, *map_cycle, *map_plot); });

  auto join = std::make_shared<bool>(false);
  auto* plot = app.add_subcommand(
      "plot", "Draw a figure of one or several cells: profile, dqdv, capacity or rate (PNG, PDF or SVG through gnuplot)");
  plot->add_option("FIGURE", *what, "profile | dqdv | capacity | rate")->required();
  add_input(plot);
  plot->get_option("FILES")->description("instrument files or simulated tables: each a cell on the figure (--join: one experiment)");
  plot->add_flag("--join", *join, "the files are one experiment in several parts: join them in time order");
  plot->add_option("-o,--output", common->output, "out.png, out.pdf or out.svg")->required();
  plot->add_option("--cycle", *cycles, "cycles to draw (profile, dqdv), as castor cycling numbers them; default all / the first");
  add_dqdv_flags(plot, common->dqdv);
  plot->callback([=] { run_plot(*what, *common, *cycles, *join); });
}

}  // namespace castor::cli
