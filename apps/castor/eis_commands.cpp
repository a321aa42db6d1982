#include "eis_commands.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/report/report.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/eis/drt.h"
#include "castor/eis/eis_report.h"
#include "castor/eis/figures.h"
#include "castor/eis/fit.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/read_impedance.h"
#include "castor/eis/series.h"
#include "report_output.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct EisFlags {
  std::vector<std::string> files;
  std::string circuit, output, plot, weighting = "unit", initial, kk_fit;
  std::vector<std::string> constants;
  int starts = 24, spectrum = 1, max_m = 50;
  double f_min = 0, f_max = 1e300, mu_cutoff = 0.85, lambda = 1e-3;
  bool auto_lambda = false;
  bool capacitive_only = false, add_cap = false, strict = false;
};

// --strict: a warning about the file (truncation, a trailer not read, ...) is an error.
void apply_strict(const EisFlags& f, const eis::Spectrum& s) { refuse_if_strict(f.strict, s.warnings, s.source, "impedance"); }

eis::Spectrum select(const EisFlags& f) {
  const auto all = eis::read_impedance(f.files.at(0));
  if (f.spectrum < 1 || static_cast<std::size_t>(f.spectrum) > all.size())
    throw Error(f.files[0], "impedance", fmt::format("--spectrum {}: the file holds {} spectra", f.spectrum, all.size()));
  eis::Spectrum s = eis::keep_frequencies(all[static_cast<std::size_t>(f.spectrum - 1)], f.f_min, f.f_max);
  apply_strict(f, s);
  for (const auto& w : s.warnings) fmt::print("warning ({}): {}\n", s.source, w);
  if (f.capacitive_only) s = eis::keep_capacitive(s);
  if (s.size() == 0) throw Error(f.files[0], "impedance", "no points left after the frequency and sign filters");
  return s;
}

eis::FitOptions fit_options(const EisFlags& f) {
  eis::FitOptions o;
  const auto w = eis::weighting_from_string(f.weighting);
  if (!w) throw Error(fmt::format("--weighting '{}': unit, proportional or modulus", f.weighting));
  o.weighting = *w;
  o.starts = f.starts;
  for (const auto& c : f.constants) {
    const auto eq = c.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("--constant '{}': expected NAME=VALUE", c));
    o.constants[c.substr(0, eq)] = parse_number(c.substr(eq + 1), fmt::format("--constant {}", c.substr(0, eq)));
  }
  if (!f.initial.empty()) o.initial = parse_number_list(f.initial, "--initial");
  return o;
}

void run_fit(const EisFlags& f) {
  const auto s = select(f);
  const eis::Circuit c(f.circuit);
  const auto o = fit_options(f);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = eis::fit_circuit(c, s, o);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const auto rep = eis::to_report(r, s, o, ms);
  report::write_text(rep, std::cout);
  if (!f.output.empty() && std::filesystem::path(f.output).extension() == ".json") {
    std::ofstream out(f.output);
    eis::write_fit_json(r, s, o, out);
    if (!out) throw Error(f.output, "json", "cannot write", ErrorKind::resource);
    fmt::print(stderr, "wrote {}\n", f.output);
  } else {
    write_report(rep, f.output, "points");
  }
  if (!f.plot.empty()) {
    report::draw_panels(eis::fit_figures(c, s, r), f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, eis::fit_warnings(r), s.source, "impedance fit");
}

void run_kk(const EisFlags& f) {
  const auto s = select(f);
  eis::KkRequest q;
  q.mu_cutoff = f.mu_cutoff;
  q.max_M = f.max_m;
  q.add_capacitance = f.add_cap;
  if (!f.kk_fit.empty()) {
    q.fit = eis::kk_fit_from_string(f.kk_fit);
    if (!q.fit) throw Error(fmt::format("--fit '{}': real, imag or complex", f.kk_fit), ErrorKind::usage);
  }
  const auto k = eis::check_kk(s, q);
  const auto rep = eis::to_report(k, s);
  report::write_text(rep, std::cout);
  write_report(rep, f.output, "residuals");
  if (!f.plot.empty()) {
    report::draw(eis::kk_figure(k, s), f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, k.failures, s.source, "Kramers-Kronig");
}

void run_drt(const EisFlags& f) {
  const auto s = select(f);
  eis::DrtOptions o;
  o.lambda = f.lambda;
  const auto run = eis::run_drt(s, o, f.auto_lambda);
  const auto rep = eis::to_report(run, s);
  report::write_text(rep, std::cout);
  write_report(rep, f.output, "distribution");
  if (!f.plot.empty()) {
    report::draw(eis::drt_figure(run, s), f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, run.result.warnings, s.source, "DRT");
}

void run_series(const EisFlags& f) {
  std::vector<eis::Spectrum> spectra;
  for (const auto& file : f.files)
    for (auto& s : eis::read_impedance(file)) {
      apply_strict(f, s);
      for (const auto& w : s.warnings) fmt::print("warning ({}): {}\n", s.source, w);
      if (f.capacitive_only) s = eis::keep_capacitive(s);
      spectra.push_back(std::move(s));
    }
  eis::SeriesOptions o;
  o.fit = fit_options(f);
  o.f_min_Hz = f.f_min;
  o.f_max_Hz = f.f_max;
  const eis::Circuit c(f.circuit);
  const auto t0 = std::chrono::steady_clock::now();
  const auto fits = eis::fit_series(c, spectra, o);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{} spectra fitted with {} in {:.0f} ms ({:.2f} ms per spectrum)\n", fits.size(), c.text(), ms,
             ms / static_cast<double>(fits.size()));
  fmt::print("{:>4}", "#");
  for (const auto& n : fits[0].names) fmt::print(" {:>11}", n);
  fmt::print(" {:>10}  {}\n", "pseudo-chi2", "status");
  std::vector<std::string> flagged;
  for (std::size_t k = 0; k < fits.size(); ++k) {
    fmt::print("{:>4}", k + 1);
    for (double v : fits[k].values) fmt::print(" {:>11.4g}", v);
    fmt::print(" {:>10.3g}  {}\n", fits[k].pseudo_chi_square, fits[k].status());
    for (const auto& w : eis::fit_warnings(fits[k])) flagged.push_back(fmt::format("spectrum {}: {}", k + 1, w));
  }
  for (const auto& w : flagged) fmt::print("WARNING: {}\n", w);
  if (!f.output.empty()) {
    std::ofstream o2(f.output);
    eis::write_series_csv(fits, spectra, o2);
    if (!o2) throw Error(f.output, "", "cannot write");
    fmt::print(stderr, "wrote {}\n", f.output);
  }
  refuse_if_strict(f.strict, flagged, f.files.front(), "impedance series");
}

}  // namespace

void add_eis_commands(CLI::App& app) {
  auto flags = std::make_shared<EisFlags>();
  auto* eis_cmd = app.add_subcommand("eis", "Impedance: circuit fits, Lin-KK validity, DRT, series of spectra");
  eis_cmd->require_subcommand(1);
  auto input = [&](CLI::App* c, bool many) {
    if (many)
      c->add_option("FILES", flags->files, "impedance files (a file may hold several spectra)")->required();
    else
      c->add_option("FILE", flags->files, "impedance file")->required()->expected(1);
    c->add_option("--f-min", flags->f_min, "drop points below this frequency (Hz)");
    c->add_option("--f-max", flags->f_max, "drop points above this frequency (Hz)");
    c->add_flag("--capacitive-only", flags->capacitive_only, "keep only points with Z'' < 0 (impedance.py ignoreBelowX)");
    c->add_flag("--strict", flags->strict,
                "treat warnings (damaged file, parameters the data do not determine, a spectrum that fails Kramers-Kronig, "
                "DRT peaks at the window's edge) as errors (exit status 2)");
    if (!many) c->add_option("--spectrum", flags->spectrum, "which spectrum of a multi-spectrum file (from 1)")->capture_default_str();
  };
  auto fit_flags = [&](CLI::App* c) {
    c->add_option("--circuit", flags->circuit, "circuit, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-W1'")->required();
    c->add_option("--weighting", flags->weighting, "unit, proportional or modulus")->capture_default_str();
    c->add_option("--starts", flags->starts, "multi-start count (1 = local fit from the initial values)")->capture_default_str();
    c->add_option("--initial", flags->initial, "initial values, comma separated (default: from the spectrum)");
    c->add_option("--constant", flags->constants, "hold a parameter: NAME=VALUE (repeatable)");
  };
  auto* fit = eis_cmd->add_subcommand("fit", "Fit an equivalent circuit: parameters, errors, chi-square, figure");
  input(fit, false);
  fit_flags(fit);
  fit->add_option("-o,--output", flags->output, "write parameters and points: .json, or .csv (points)");
  fit->add_option("--plot", flags->plot, "Nyquist + Bode figure with the fit (.png, .pdf or .svg)");
  fit->callback([flags] { run_fit(*flags); });

  auto* kk = eis_cmd->add_subcommand("kk", "Lin-KK validity test (Schoenleber 2014) with automatic M");
  input(kk, false);
  kk->add_option("--mu", flags->mu_cutoff, "mu cut-off c")->capture_default_str();
  kk->add_option("--max-m", flags->max_m, "largest number of RC elements")->capture_default_str();
  kk->add_option("--fit", flags->kk_fit,
                 "real, imag or complex (default: complex, a series C where the low-frequency end is capacitive, and the "
                 "verdict of the other settings beside it)");
  kk->add_flag("--add-cap", flags->add_cap, "add a series capacitance (spectra without a low-frequency intercept)");
  kk->add_option("-o,--output", flags->output, "residuals as CSV");
  kk->add_option("--plot", flags->plot, "residual figure (.png, .pdf or .svg)");
  kk->callback([flags] { run_kk(*flags); });

  auto* drt = eis_cmd->add_subcommand("drt", "Distribution of relaxation times (Tikhonov, Gaussian RBF, gamma >= 0)");
  input(drt, false);
  drt->add_option("--lambda", flags->lambda, "regularisation strength")->capture_default_str();
  drt->add_flag("--auto-lambda", flags->auto_lambda, "choose lambda at the L-curve corner (printed)");
  drt->add_option("-o,--output", flags->output, "gamma(tau) as CSV");
  drt->add_option("--plot", flags->plot, "DRT figure (.png, .pdf or .svg)");
  drt->callback([flags] { run_drt(*flags); });

  auto* series = eis_cmd->add_subcommand("series", "Fit many spectra in sequence: a parameter table against spectrum");
  input(series, true);
  fit_flags(series);
  series->add_option("-o,--output", flags->output, "parameter table as CSV");
  series->callback([flags] { run_series(*flags); });
}

}  // namespace castor::cli
