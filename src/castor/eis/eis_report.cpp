#include "castor/eis/eis_report.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/error.h"
#include "castor/core/provenance.h"
#include "castor/eis/figures.h"

namespace castor::eis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> model_grid(const Spectrum& s) {
  double lo = 1e300, hi = 0;
  for (double f : s.freq_Hz) lo = std::min(lo, f), hi = std::max(hi, f);
  std::vector<double> g;
  for (double lf = std::log10(lo); lf <= std::log10(hi) + 1e-9; lf += 0.02) g.push_back(std::pow(10.0, lf));
  return g;
}

report::ReportTable points_table(const Spectrum& s, const std::vector<cplx>& z_fit, const std::string& name) {
  report::ReportTable t;
  t.name = name;
  t.in_text = false;
  std::vector<double> zr, zi, fr, fi, rr, ri;
  for (std::size_t i = 0; i < s.size(); ++i) {
    zr.push_back(s.z_ohm[i].real()), zi.push_back(s.z_ohm[i].imag());
    const cplx f = i < z_fit.size() ? z_fit[i] : cplx(kNaN, kNaN);
    fr.push_back(f.real()), fi.push_back(f.imag());
    rr.push_back(zr.back() - f.real()), ri.push_back(zi.back() - f.imag());
  }
  t.add_numbers("freq", "Hz", s.freq_Hz);
  t.add_numbers("z_re", "ohm", zr);
  t.add_numbers("z_im", "ohm", zi);
  t.add_numbers("fit_re", "ohm", fr);
  t.add_numbers("fit_im", "ohm", fi);
  t.add_numbers("residual_re", "ohm", rr);
  t.add_numbers("residual_im", "ohm", ri);
  return t;
}

}  // namespace

std::vector<std::string> fit_warnings(const FitResult& r) {
  std::vector<std::string> w;
  for (const auto& [name, why] : r.undetermined) w.push_back(fmt::format("{} not determined by the data: {}", name, why));
  w.insert(w.end(), r.warnings.begin(), r.warnings.end());
  return w;
}

report::Report to_report(const FitResult& r, const Spectrum& s, const FitOptions& o, double elapsed_ms) {
  report::Report rep;
  rep.analysis = "eis-fit";
  rep.source = s.source;
  rep.summary = fmt::format("circuit {}  ({} points, {} weighting, {} starts{})", r.circuit, s.size(), to_string(o.weighting), r.starts,
                            std::isfinite(elapsed_ms) ? fmt::format(", {:.1f} ms", elapsed_ms) : "");
  report::ReportTable t;
  t.name = "parameters";
  std::vector<std::string> verdict;
  std::vector<double> rel;
  std::vector<double> se;
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    std::string v = r.fixed[k] ? "fixed" : "";
    for (const auto& [name, why] : r.undetermined)
      if (name == r.names[k]) v = "NOT DETERMINED: " + why;
    verdict.push_back(v);
    se.push_back(r.fixed[k] ? kNaN : r.std_errors[k]);
    rel.push_back(r.fixed[k] ? kNaN : r.std_errors[k] / r.values[k]);
  }
  t.add_texts("parameter", r.names);
  t.add_numbers("value", "", r.values, "{:.6g}");
  t.add_numbers("std_error", "", se, "{:.3g}", "std error");
  t.add_numbers("relative_error", "", rel, "{:.2f}", "rel %", 100);
  t.add_texts("unit", r.units);
  t.add_texts("verdict", verdict);
  rep.tables.push_back(std::move(t));
  rep.tables.push_back(points_table(s, r.z_fit, "points"));
  // Each parameter as a value too (by its name, with its standard error and verdict), for
  // JSON and Python; the text shows them in the table above.
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    report::Quantity q{r.names[k], r.names[k], r.values[k], r.units[k], verdict[k], se[k]};
    q.in_text = false;
    rep.values.push_back(std::move(q));
  }
  rep.values.push_back({"chi_square", "chi-square", r.chi_square, "", fmt::format("{} degrees of freedom", r.degrees_of_freedom)});
  rep.values.push_back({"reduced_chi_square", "reduced chi-square", r.reduced_chi_square, "", ""});
  rep.values.push_back({"sum_squares", "sum |Z - Z_fit|^2", r.sum_squares_ohm2, "Ohm^2", ""});
  rep.values.push_back({"pseudo_chi_square", "pseudo chi-square (Boukamp)", r.pseudo_chi_square, "", ""});
  rep.notes.push_back("status: " + r.status());
  rep.warnings = r.warnings;
  return rep;
}

void write_fit_json(const FitResult& r, const Spectrum& s, const FitOptions& o, std::ostream& out) {
  nlohmann::json j = {{"castor", {{"version", version()}, {"command", command_line()}}},
                      {"source", s.source},
                      {"circuit", r.circuit},
                      {"weighting", std::string(to_string(o.weighting))},
                      {"chi_square", r.chi_square},
                      {"reduced_chi_square", r.reduced_chi_square},
                      {"pseudo_chi_square", r.pseudo_chi_square},
                      {"sum_squares_ohm2", r.sum_squares_ohm2},
                      {"converged", r.converged && r.determined()},
                      {"optimizer_converged", r.converged},
                      {"status", r.status()},
                      {"warnings", r.warnings}};
  for (const auto& [name, why] : r.undetermined) j["undetermined"].push_back({{"name", name}, {"reason", why}});
  for (std::size_t k = 0; k < r.values.size(); ++k)
    j["parameters"].push_back({{"name", r.names[k]},
                               {"unit", r.units[k]},
                               {"value", r.values[k]},
                               {"std_error", r.fixed[k] ? nlohmann::json(nullptr) : nlohmann::json(r.std_errors[k])},
                               {"fixed", r.fixed[k]},
                               {"bounds", {r.lower[k], std::isfinite(r.upper[k]) ? nlohmann::json(r.upper[k]) : nlohmann::json(nullptr)}}});
  j["correlation"] = r.correlation;
  for (std::size_t i = 0; i < r.freq_Hz.size(); ++i)
    j["points"].push_back({r.freq_Hz[i], s.z_ohm[i].real(), s.z_ohm[i].imag(), r.z_fit[i].real(), r.z_fit[i].imag()});
  out << j.dump(2) << '\n';
}

std::vector<report::Figure> fit_figures(const Circuit& c, const Spectrum& s, const FitResult& r) {
  const auto g = model_grid(s);
  std::vector<cplx> z;
  for (double fr : g) z.push_back(c.impedance(2 * std::numbers::pi * fr, r.values));
  auto panels = nyquist_bode(s, g, z, "fit " + c.text());
  // The 95 % confidence band of the fit (dashed), from the parameter covariance.
  const auto band = confidence_band(c, r, g);
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
  return panels;
}

KkCheck check_kk(const Spectrum& s, const KkRequest& q) {
  KkCheck k;
  k.mu_cutoff = q.mu_cutoff;
  if (!q.fit && !q.add_capacitance) {
    const auto v = kk_verdict(s, q.mu_cutoff, q.max_M);
    k.result = v.chosen.result;
    k.castor_default = true;
    k.fit = v.chosen.fit;
    k.add_capacitance = v.chosen.add_capacitance;
    k.verdict_text = v.text();
    if (v.depends_on_setting()) k.notes.push_back("the Kramers-Kronig verdict depends on the fit setting");
    if (!v.chosen.passes())
      k.failures.push_back(
          "the spectrum is not Kramers-Kronig consistent: drift, nonlinearity or noise; a circuit fit to it is not reliable");
    return k;
  }
  LinKKOptions o;
  o.mu_cutoff = q.mu_cutoff;
  o.max_M = q.max_M;
  o.add_capacitance = q.add_capacitance;
  o.fit = q.fit.value_or(KkFit::complex);
  k.castor_default = false;
  k.fit = o.fit;
  k.add_capacitance = o.add_capacitance;
  k.result = lin_kk(s, o);
  if (!(k.result.max_abs_residual < 0.01))
    k.failures.push_back("the spectrum is not Kramers-Kronig consistent at this setting (a residual above 1 %)");
  return k;
}

report::Report to_report(const KkCheck& k, const Spectrum& s) {
  const auto& r = k.result;
  report::Report rep;
  rep.analysis = "eis-kk";
  rep.source = s.source;
  if (k.castor_default) {
    rep.summary =
        fmt::format("Lin-KK, R0 = {:.6g} Ohm, L = {:.4g} H{}", r.r0_ohm, r.l_H,
                    k.add_capacitance ? fmt::format(", series C = {:.4g} F (the low-frequency end is capacitive)", r.c_F.value_or(0)) : "");
    rep.notes.push_back(k.verdict_text);
  } else {
    rep.summary = fmt::format("Lin-KK ({} fit{}), M = {}, mu = {:.4f} (cut-off {}), R0 = {:.6g} Ohm, L = {:.4g} H", to_string(k.fit),
                              k.add_capacitance ? ", series C" : "", r.M, r.mu, k.mu_cutoff, r.r0_ohm, r.l_H);
    rep.notes.push_back(fmt::format("largest residual {:.3f} % of |Z|: {}", 100 * r.max_abs_residual,
                                    r.max_abs_residual < 0.01
                                        ? "consistent with Kramers-Kronig (all residuals within 1 %)"
                                        : "some points deviate by more than 1 %: check drift, nonlinearity or noise"));
  }
  rep.values.push_back({"M", "RC elements M", static_cast<double>(r.M), "", ""});
  rep.values.push_back({"mu", "mu", r.mu, "", ""});
  rep.values.push_back({"max_abs_residual", "largest residual (fraction of |Z|)", r.max_abs_residual, "", ""});
  for (auto& v : rep.values) v.in_text = false;  // the summary and the verdict say them
  report::ReportTable t;
  t.name = "residuals";
  t.in_text = false;
  std::vector<double> kr, ki;
  for (const auto& z : r.z_fit) kr.push_back(z.real()), ki.push_back(z.imag());
  t.add_numbers("freq", "Hz", s.freq_Hz);
  t.add_numbers("residual_re", "", r.residual_re);
  t.add_numbers("residual_im", "", r.residual_im);
  t.add_numbers("kk_re", "ohm", kr);
  t.add_numbers("kk_im", "ohm", ki);
  rep.tables.push_back(std::move(t));
  rep.warnings = k.failures;
  rep.warnings.insert(rep.warnings.end(), k.notes.begin(), k.notes.end());
  return rep;
}

report::Figure kk_figure(const KkCheck& k, const Spectrum& s) {
  auto fig = kk_residual_figure(s, k.result);
  fig.warnings = s.warnings;
  fig.warnings.insert(fig.warnings.end(), k.failures.begin(), k.failures.end());
  fig.warnings.insert(fig.warnings.end(), k.notes.begin(), k.notes.end());
  return fig;
}

DrtRun run_drt(const Spectrum& s, const DrtOptions& options, bool auto_lambda) {
  DrtRun run;
  DrtOptions o = options;
  run.lambda_source = "given";
  if (auto_lambda) {
    const auto choice = choose_lambda(s, o);
    o.lambda = choice.lambda;
    run.lambda_source = fmt::format("L-curve corner over {:.0e}-{:.0e}", choice.lambdas.front(), choice.lambdas.back());
  }
  run.lambda = o.lambda;
  run.result = drt(s, o);
  return run;
}

report::Report to_report(const DrtRun& run, const Spectrum& s) {
  const auto& r = run.result;
  report::Report rep;
  rep.analysis = "eis-drt";
  rep.source = s.source;
  rep.summary = fmt::format("DRT (lambda {:.3g}, {}), R_inf = {:.6g} Ohm, R_pol = {:.6g} Ohm, L = {:.4g} H, fit rms {:.3f} %", run.lambda,
                            run.lambda_source, r.r_inf_ohm, r.r_polarisation_ohm, r.l_H, 100 * r.residual_rms_rel);
  report::ReportTable peaks;
  peaks.name = "peaks";
  std::vector<double> tau, f, g, R;
  for (const auto& p : r.peaks)
    tau.push_back(p.tau_s), f.push_back(1 / (2 * std::numbers::pi * p.tau_s)), g.push_back(p.gamma_ohm), R.push_back(p.resistance_ohm);
  peaks.add_numbers("tau", "s", tau, "{:.4g}", "tau s");
  peaks.add_numbers("freq", "Hz", f, "{:.4g}", "f Hz");
  peaks.add_numbers("gamma", "ohm", g, "{:.4g}", "gamma Ohm");
  peaks.add_numbers("resistance", "ohm", R, "{:.4g}", "R Ohm");
  report::ReportTable dist;
  dist.name = "distribution";
  dist.in_text = false;
  dist.add_numbers("tau", "s", r.tau_s);
  dist.add_numbers("gamma", "ohm", r.gamma_ohm);
  rep.tables.push_back(std::move(dist));  // first: what -o x.csv writes
  rep.tables.push_back(std::move(peaks));
  rep.values.push_back({"lambda", "lambda", run.lambda, "", run.lambda_source});
  rep.values.push_back({"r_inf", "R_inf", r.r_inf_ohm, "Ohm", ""});
  rep.values.push_back({"r_polarisation", "R_pol", r.r_polarisation_ohm, "Ohm", ""});
  rep.values.push_back({"inductance", "L", r.l_H, "H", ""});
  rep.values.push_back({"residual_rms", "fit rms (fraction of |Z|)", r.residual_rms_rel, "", ""});
  for (auto& v : rep.values) v.in_text = false;  // the summary says them
  rep.warnings = r.warnings;
  return rep;
}

report::Figure drt_figure(const DrtRun& run, const Spectrum& s) {
  auto fig = drt_figure(run.result, s.source);
  fig.warnings = s.warnings;
  fig.warnings.insert(fig.warnings.end(), run.result.warnings.begin(), run.result.warnings.end());
  return fig;
}

}  // namespace castor::eis
