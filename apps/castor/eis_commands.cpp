#include "eis_commands.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/provenance.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/eis/drt.h"
#include "castor/eis/figures.h"
#include "castor/eis/fit.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/read_impedance.h"
#include "castor/eis/series.h"
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

// A fit's undetermined parameters and warnings, one line each.
std::vector<std::string> fit_warnings(const eis::FitResult& r) {
  std::vector<std::string> w;
  for (const auto& [name, why] : r.undetermined) w.push_back(fmt::format("{} not determined by the data: {}", name, why));
  w.insert(w.end(), r.warnings.begin(), r.warnings.end());
  return w;
}

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

std::vector<double> model_grid(const eis::Spectrum& s) {
  double lo = 1e300, hi = 0;
  for (double f : s.freq_Hz) lo = std::min(lo, f), hi = std::max(hi, f);
  std::vector<double> g;
  for (double lf = std::log10(lo); lf <= std::log10(hi) + 1e-9; lf += 0.02) g.push_back(std::pow(10.0, lf));
  return g;
}

void run_fit(const EisFlags& f) {
  const auto s = select(f);
  const eis::Circuit c(f.circuit);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = eis::fit_circuit(c, s, fit_options(f));
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{}  circuit {}  ({} points, {} weighting, {} starts, {:.1f} ms)\n", s.source, c.text(), s.size(), f.weighting,
             r.starts, ms);
  fmt::print("{:<12} {:>14} {:>12} {:>8}  {}\n", "parameter", "value", "std error", "rel %", "unit");
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    std::string verdict;
    for (const auto& [name, why] : r.undetermined)
      if (name == r.names[k]) verdict = "  NOT DETERMINED: " + why;
    fmt::print("{:<12} {:>14.6g} {:>12} {:>8}  {}{}\n", r.names[k], r.values[k],
               r.fixed[k] ? "fixed" : fmt::format("{:.3g}", r.std_errors[k]),
               r.fixed[k] ? "" : fmt::format("{:.2f}", 100 * r.std_errors[k] / r.values[k]), r.units[k], verdict);
  }
  fmt::print("chi-square {:.6g} (reduced {:.6g}, {} degrees of freedom); sum |Z - Z_fit|^2 = {:.6g} Ohm^2; "
             "pseudo chi-square {:.6g}\nstatus: {}\n",
             r.chi_square, r.reduced_chi_square, r.degrees_of_freedom, r.sum_squares_ohm2, r.pseudo_chi_square,
             r.status());
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  if (!f.output.empty()) {
    const std::filesystem::path out(f.output);
    std::ofstream o(out);
    if (out.extension() == ".json") {
      nlohmann::json j = {{"castor", {{"version", castor::version()}, {"command", castor::command_line()}}},
                          {"source", s.source}, {"circuit", r.circuit}, {"weighting", f.weighting},
                          {"chi_square", r.chi_square}, {"reduced_chi_square", r.reduced_chi_square},
                          {"pseudo_chi_square", r.pseudo_chi_square}, {"sum_squares_ohm2", r.sum_squares_ohm2},
                          {"converged", r.converged && r.determined()},
                          {"optimizer_converged", r.converged},
                          {"status", r.status()},
                          {"warnings", r.warnings}};
      for (const auto& [name, why] : r.undetermined) j["undetermined"].push_back({{"name", name}, {"reason", why}});
      for (std::size_t k = 0; k < r.values.size(); ++k)
        j["parameters"].push_back({{"name", r.names[k]}, {"unit", r.units[k]}, {"value", r.values[k]},
                                   {"std_error", r.fixed[k] ? nlohmann::json(nullptr) : nlohmann::json(r.std_errors[k])},
                                   {"fixed", r.fixed[k]},
                                   {"bounds", {r.lower[k], std::isfinite(r.upper[k]) ? nlohmann::json(r.upper[k]) : nlohmann::json(nullptr)}}});
      j["correlation"] = r.correlation;
      for (std::size_t i = 0; i < r.freq_Hz.size(); ++i)
        j["points"].push_back({r.freq_Hz[i], s.z_ohm[i].real(), s.z_ohm[i].imag(), r.z_fit[i].real(), r.z_fit[i].imag()});
      o << j.dump(2) << '\n';
    } else {
      o << "freq_Hz,z_re_ohm,z_im_ohm,fit_re_ohm,fit_im_ohm,residual_re_ohm,residual_im_ohm\n";
      for (std::size_t i = 0; i < r.freq_Hz.size(); ++i)
        o << fmt::format("{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.4g},{:.4g}\n", r.freq_Hz[i], s.z_ohm[i].real(),
                         s.z_ohm[i].imag(), r.z_fit[i].real(), r.z_fit[i].imag(), r.residual[i].real(), r.residual[i].imag());
    }
    if (!o) throw Error(f.output, "", "cannot write");
    fmt::print(stderr, "wrote {}\n", f.output);
  }
  if (!f.plot.empty()) {
    const auto g = model_grid(s);
    std::vector<eis::cplx> z;
    for (double fr : g) z.push_back(c.impedance(2 * std::numbers::pi * fr, r.values));
    auto panels = eis::nyquist_bode(s, g, z, "fit " + c.text());
    // The 95 % confidence band of the fit (dashed), from the parameter covariance.
    const auto band = eis::confidence_band(c, r, g);
    if (panels.size() == 2) {
      report::Series lo{"95 % band", {}, {}, "lines dt 3 lw 1", false}, hi{"", {}, {}, "lines dt 3 lw 1", false};
      report::Series blo{"|Z| 95 % band", {}, {}, "lines dt 3 lw 1", false}, bhi{"", {}, {}, "lines dt 3 lw 1", false};
      lo.colour = hi.colour = blo.colour = bhi.colour = "#d55e00";
      for (std::size_t i = 0; i < g.size(); ++i) {
        lo.x.push_back(z[i].real() - 1.96 * band.sigma_re_ohm[i]), lo.y.push_back(-z[i].imag() - 1.96 * band.sigma_im_ohm[i]);
        hi.x.push_back(z[i].real() + 1.96 * band.sigma_re_ohm[i]), hi.y.push_back(-z[i].imag() + 1.96 * band.sigma_im_ohm[i]);
        blo.x.push_back(g[i]), blo.y.push_back(std::max(std::abs(z[i]) - 1.96 * band.sigma_abs_ohm[i], 1e-300));
        bhi.x.push_back(g[i]), bhi.y.push_back(std::abs(z[i]) + 1.96 * band.sigma_abs_ohm[i]);
      }
      panels[0].series.push_back(lo), panels[0].series.push_back(hi);
      panels[1].series.push_back(blo), panels[1].series.push_back(bhi);
    }
    if (!panels.empty()) {
      panels[0].warnings = s.warnings;
      for (const auto& w : fit_warnings(r)) panels[0].warnings.push_back(w);
    }
    report::draw_panels(panels, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, fit_warnings(r), s.source, "impedance fit");
}

void run_kk(const EisFlags& f) {
  const auto s = select(f);
  // failures: the spectrum failed the test (what --strict refuses); notes: a verdict that
  // merely depends on the setting, said beside it (both under the figure).
  std::vector<std::string> failures, notes;
  eis::LinKKOptions o;
  o.mu_cutoff = f.mu_cutoff;
  o.max_M = f.max_m;
  eis::LinKKResult r;
  if (f.kk_fit.empty() && !f.add_cap) {
    // castor's defaults: complex fit, a series C where the low-frequency end is capacitive,
    // and the verdict of the other settings beside it.
    const auto v = eis::kk_verdict(s, o.mu_cutoff, o.max_M);
    r = v.chosen.result;
    fmt::print("{}: Lin-KK, R0 = {:.6g} Ohm, L = {:.4g} H{}\n{}\n", s.source, r.r0_ohm, r.l_H,
               v.chosen.add_capacitance ? fmt::format(", series C = {:.4g} F (the low-frequency end is capacitive)", r.c_F.value_or(0))
                                        : "",
               v.text());
    if (v.depends_on_setting()) notes.push_back("the Kramers-Kronig verdict depends on the fit setting");
    if (!v.chosen.passes())
      failures.push_back("the spectrum is not Kramers-Kronig consistent: drift, nonlinearity or noise; a circuit fit to it is not reliable");
  } else {
    o.add_capacitance = f.add_cap;
    const auto fit = eis::kk_fit_from_string(f.kk_fit.empty() ? "complex" : f.kk_fit);
    if (!fit) throw Error(fmt::format("--fit '{}': real, imag or complex", f.kk_fit));
    o.fit = *fit;
    r = eis::lin_kk(s, o);
    fmt::print("{}: Lin-KK ({} fit{}), M = {}, mu = {:.4f} (cut-off {}), R0 = {:.6g} Ohm, L = {:.4g} H\n", s.source,
               eis::to_string(o.fit), f.add_cap ? ", series C" : "", r.M, r.mu, o.mu_cutoff, r.r0_ohm, r.l_H);
    fmt::print("largest residual {:.3f} % of |Z|: {}\n", 100 * r.max_abs_residual,
               r.max_abs_residual < 0.01 ? "consistent with Kramers-Kronig (all residuals within 1 %)"
                                         : "some points deviate by more than 1 %: check drift, nonlinearity or noise");
    if (!(r.max_abs_residual < 0.01))
      failures.push_back("the spectrum is not Kramers-Kronig consistent at this setting (a residual above 1 %)");
  }
  if (!f.output.empty()) {
    std::ofstream o2(f.output);
    o2 << "freq_Hz,residual_re,residual_im,kk_re_ohm,kk_im_ohm\n";
    for (std::size_t i = 0; i < s.size(); ++i)
      o2 << fmt::format("{:.8g},{:.6g},{:.6g},{:.8g},{:.8g}\n", s.freq_Hz[i], r.residual_re[i], r.residual_im[i],
                        r.z_fit[i].real(), r.z_fit[i].imag());
    if (!o2) throw Error(f.output, "", "cannot write");
  }
  if (!f.plot.empty()) {
    auto fig = eis::kk_residual_figure(s, r);
    fig.warnings = s.warnings;
    fig.warnings.insert(fig.warnings.end(), failures.begin(), failures.end());
    fig.warnings.insert(fig.warnings.end(), notes.begin(), notes.end());
    report::draw(fig, f.plot);
  }
  refuse_if_strict(f.strict, failures, s.source, "Kramers-Kronig");
}

void run_drt(const EisFlags& f) {
  const auto s = select(f);
  eis::DrtOptions o;
  o.lambda = f.lambda;
  std::string how = "given";
  if (f.auto_lambda) {
    const auto choice = eis::choose_lambda(s, o);
    o.lambda = choice.lambda;
    how = fmt::format("L-curve corner over {:.0e}-{:.0e}", choice.lambdas.front(), choice.lambdas.back());
  }
  const auto r = eis::drt(s, o);
  fmt::print("{}: DRT (lambda {:.3g}, {}), R_inf = {:.6g} Ohm, R_pol = {:.6g} Ohm, L = {:.4g} H, fit rms {:.3f} %\n", s.source,
             o.lambda, how, r.r_inf_ohm, r.r_polarisation_ohm, r.l_H, 100 * r.residual_rms_rel);
  for (const auto& p : r.peaks)
    fmt::print("  peak tau {:.4g} s (f {:.4g} Hz)  gamma {:.4g} Ohm  R {:.4g} Ohm\n", p.tau_s,
               1 / (2 * std::numbers::pi * p.tau_s), p.gamma_ohm, p.resistance_ohm);
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  if (!f.output.empty()) {
    std::ofstream o2(f.output);
    o2 << "tau_s,gamma_ohm\n";
    for (std::size_t i = 0; i < r.tau_s.size(); ++i) o2 << fmt::format("{:.8g},{:.8g}\n", r.tau_s[i], r.gamma_ohm[i]);
    if (!o2) throw Error(f.output, "", "cannot write");
  }
  if (!f.plot.empty()) {
    auto fig = eis::drt_figure(r, s.source);
    fig.warnings = s.warnings;
    fig.warnings.insert(fig.warnings.end(), r.warnings.begin(), r.warnings.end());
    report::draw(fig, f.plot);
  }
  refuse_if_strict(f.strict, r.warnings, s.source, "DRT");
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
    for (const auto& w : fit_warnings(fits[k])) flagged.push_back(fmt::format("spectrum {}: {}", k + 1, w));
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
    if (many) c->add_option("FILES", flags->files, "impedance files (a file may hold several spectra)")->required();
    else c->add_option("FILE", flags->files, "impedance file")->required()->expected(1);
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
