#include "castor/fit/identify_report.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include "castor/core/provenance.h"

namespace castor::fit {
namespace {

nlohmann::ordered_json number(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }

}  // namespace

void write_identify_text(const IdentifyResult& r, const ParameterFile& file, const std::vector<MeasuredExperiment>& xs, std::ostream& out) {
  fmt::print(out, "castor identify: {} parameter{} of {} fitted to {} experiment{} ({} points)\n", r.parameters.size(),
             r.parameters.size() == 1 ? "" : "s", file.source(), xs.size(), xs.size() == 1 ? "" : "s", r.points);
  for (const auto& e : r.experiments) {
    std::string fitq;
    if (std::isfinite(e.rms_V)) fitq += fmt::format(" voltage rms {:.4g} mV (noise {:.3g} mV)", 1e3 * e.rms_V, 1e3 * e.noise_V);
    if (std::isfinite(e.rms_A)) fitq += fmt::format(" current rms {:.4g} A (noise {:.3g} A)", e.rms_A, e.noise_A);
    if (std::isfinite(e.rms_relative_z))
      fitq += fmt::format(" impedance rms {:.3g} % of |Z| (noise {:.3g} %)", 100 * e.rms_relative_z, 100 * e.noise_relative_z);
    fmt::print(out, "  {}: {} points, chi2 {:.6g};{}\n", e.source, e.points, e.chi2, fitq);
    for (const auto& n : e.notes) fmt::print(out, "    note: {}\n", n);
  }
  fmt::print(out, "\n{:<40} {:>12} {:>12} {:>25} {:>25}  {}\n", "parameter", "start", "value", "95 % (Jacobian)", "95 % (profile)",
             "status");
  for (const auto& p : r.parameters) {
    const std::string ci = fmt::format("{:.4g} .. {:.4g}", p.ci_low, p.ci_high);
    std::string pr = "-";
    if (p.profiled)
      pr = fmt::format("{} .. {}", p.profile_low ? fmt::format("{:.4g}", *p.profile_low) : "open",
                       p.profile_high ? fmt::format("{:.4g}", *p.profile_high) : "open");
    fmt::print(out, "{:<40} {:>12.5g} {:>12.5g} {:>25} {:>25}  {}{}\n", p.path, p.start, p.value, ci, pr,
               p.determined ? "determined" : "NOT DETERMINED", p.note.empty() ? "" : ": " + p.note);
  }
  if (r.parameters.size() > 1) {
    fmt::print(out, "\ncorrelation\n");
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      fmt::print(out, "  {:<38}", r.parameters[i].path);
      for (double c : r.correlation[i]) fmt::print(out, " {:>7.3f}", c);
      fmt::print(out, "\n");
    }
  }
  for (const auto& u : r.undetermined) fmt::print(out, "NOT DETERMINED: {}\n", u);
  fmt::print(out, "\nchi2 {:.6g}, reduced {:.4g} ({} points, {} parameters); {} simulations in {:.2f} s; optimizer: {}\n", r.chi2,
             r.reduced_chi2, r.points, r.parameters.size(), r.simulations, r.seconds, r.converged ? "converged" : "NOT converged");
  for (const auto& w : r.warnings) fmt::print(out, "WARNING: {}\n", w);
}

void write_identify_json(const IdentifyResult& r, const ParameterFile& file, std::ostream& out) {
  nlohmann::ordered_json j;
  j["castor"] = {{"version", version()}, {"command", command_line()}};
  j["parameter_file"] = file.source();
  j["points"] = r.points;
  j["chi2"] = r.chi2;
  j["reduced_chi2"] = r.reduced_chi2;
  j["converged"] = r.converged;
  j["optimizer_message"] = r.optimizer_message;
  j["simulations"] = r.simulations;
  j["seconds"] = r.seconds;
  j["parameters"] = nlohmann::ordered_json::array();
  for (const auto& p : r.parameters)
    j["parameters"].push_back({{"path", p.path},
                               {"start", p.start},
                               {"value", p.value},
                               {"bounds", {p.lower, p.upper}},
                               {"scale", p.log_scale ? "log" : "linear"},
                               {"standard_error", number(p.standard_error)},
                               {"standard_error_of", p.log_scale ? "ln(value)" : "value"},
                               {"ci95_jacobian", {number(p.ci_low), number(p.ci_high)}},
                               {"ci95_profile", p.profiled ? nlohmann::ordered_json{p.profile_low ? number(*p.profile_low) : nullptr,
                                                                                    p.profile_high ? number(*p.profile_high) : nullptr}
                                                           : nlohmann::ordered_json(nullptr)},
                               {"determined", p.determined},
                               {"note", p.note}});
  j["correlation"] = nlohmann::ordered_json::array();
  for (const auto& row : r.correlation) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (double c : row) a.push_back(number(c));
    j["correlation"].push_back(a);
  }
  j["undetermined"] = r.undetermined;
  j["experiments"] = nlohmann::ordered_json::array();
  for (const auto& e : r.experiments)
    j["experiments"].push_back({{"source", e.source},
                                {"points", e.points},
                                {"chi2", e.chi2},
                                {"rms_V", number(e.rms_V)},
                                {"noise_V", number(e.noise_V)},
                                {"rms_A", number(e.rms_A)},
                                {"noise_A", number(e.noise_A)},
                                {"rms_relative_z", number(e.rms_relative_z)},
                                {"noise_relative_z", number(e.noise_relative_z)},
                                {"notes", e.notes}});
  j["warnings"] = r.warnings;
  out << j.dump(2) << "\n";
}

void write_identify_curves(const IdentifyResult& r, const std::vector<MeasuredExperiment>& xs, std::ostream& c) {
  c << "experiment,source,time_s,frequency_Hz,quantity,unit,measured,model\n";
  for (std::size_t e = 0; e < xs.size(); ++e) {
    const auto& x = xs[e];
    const auto& m = r.experiments[e];
    std::string src = x.source;
    for (char& ch : src)
      if (ch == ',' || ch == '"') ch = ' ';
    for (std::size_t k = 0; k < x.time_s.size(); ++k)
      c << fmt::format("{},{},{:.10g},,{},{},{:.10g},{:.10g}\n", e + 1, src, x.time_s[k], x.is_current[k] ? "current" : "voltage",
                       x.is_current[k] ? "A" : "V", x.value[k], m.model[k]);
    for (std::size_t k = 0; k < x.freq_Hz.size(); ++k) {
      c << fmt::format("{},{},,{:.10g},z_re,Ohm,{:.10g},{:.10g}\n", e + 1, src, x.freq_Hz[k], x.z_ohm[k].real(), m.model_z[k].real());
      c << fmt::format("{},{},,{:.10g},z_im,Ohm,{:.10g},{:.10g}\n", e + 1, src, x.freq_Hz[k], x.z_ohm[k].imag(), m.model_z[k].imag());
    }
  }
}

std::vector<std::string> identify_problems(const IdentifyResult& r) {
  std::vector<std::string> problems = r.warnings;
  for (const auto& p : r.parameters)
    if (!p.determined) problems.push_back(p.path + " not determined");
  for (const auto& u : r.undetermined) problems.push_back(u);
  return problems;
}

}  // namespace castor::fit
