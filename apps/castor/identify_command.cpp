#include "identify_command.h"
#include "terminal.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/error.h"
#include "castor/core/provenance.h"
#include "castor/fit/identify.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct IdentifyFlags {
  std::string params;
  std::vector<std::string> data, fit;
  std::string protocol, output, voltage = "auto", cycles, only, curves;
  int starts = 1, max_iterations = 40, threads = 0;
  unsigned seed = 1;
  bool profiles = false, quiet = false, strict = false;
};

nlohmann::ordered_json number(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }

void run_identify(const IdentifyFlags& f) {
  const auto file = fit::ParameterFile::load(f.params);
  fit::VoltageKind vk = fit::VoltageKind::automatic;
  if (f.voltage == "electrode")
    vk = fit::VoltageKind::electrode;
  else if (f.voltage == "cell")
    vk = fit::VoltageKind::cell;
  else if (f.voltage != "auto")
    throw Error(fmt::format("--voltage '{}': write auto, electrode or cell", f.voltage));
  std::vector<fit::MeasuredExperiment> xs;
  fit::LoadOptions lo;
  if (!f.protocol.empty()) lo.protocol = f.protocol;
  lo.voltage = vk;
  if (!f.cycles.empty()) lo.cycles = fit::parse_cycle_range(f.cycles);
  if (f.only == "charge")
    lo.direction = Direction::charge;
  else if (f.only == "discharge")
    lo.direction = Direction::discharge;
  else if (!f.only.empty())
    throw Error(fmt::format("--only '{}': write charge or discharge", f.only));
  for (const auto& d : f.data) {
    auto e = fit::load_experiments(d, lo);
    for (auto& x : e) xs.push_back(std::move(x));
  }
  fit::IdentifyOptions o;
  for (const auto& t : f.fit) o.parameters.push_back(fit::parse_fit_parameter(t));
  o.starts = f.starts;
  o.seed = f.seed;
  o.max_iterations = f.max_iterations;
  o.profiles = f.profiles;
  o.threads = f.threads;
  const bool progress = cli::show_progress(f.quiet);
  if (progress) o.progress = [](const std::string& line) { fmt::print(stderr, "\r{:<100}", line); };
  const auto r = fit::identify(file, xs, o);
  if (progress) fmt::print(stderr, "\n");

  fmt::print("castor identify: {} parameter{} of {} fitted to {} experiment{} ({} points)\n", r.parameters.size(),
             r.parameters.size() == 1 ? "" : "s", file.source(), xs.size(), xs.size() == 1 ? "" : "s", r.points);
  for (const auto& e : r.experiments) {
    std::string fitq;
    if (std::isfinite(e.rms_V)) fitq += fmt::format(" voltage rms {:.4g} mV (noise {:.3g} mV)", 1e3 * e.rms_V, 1e3 * e.noise_V);
    if (std::isfinite(e.rms_A)) fitq += fmt::format(" current rms {:.4g} A (noise {:.3g} A)", e.rms_A, e.noise_A);
    if (std::isfinite(e.rms_relative_z))
      fitq += fmt::format(" impedance rms {:.3g} % of |Z| (noise {:.3g} %)", 100 * e.rms_relative_z, 100 * e.noise_relative_z);
    fmt::print("  {}: {} points, chi2 {:.6g};{}\n", e.source, e.points, e.chi2, fitq);
    for (const auto& n : e.notes) fmt::print("    note: {}\n", n);
  }
  fmt::print("\n{:<40} {:>12} {:>12} {:>25} {:>25}  {}\n", "parameter", "start", "value", "95 % (Jacobian)", "95 % (profile)", "status");
  for (const auto& p : r.parameters) {
    const std::string ci = fmt::format("{:.4g} .. {:.4g}", p.ci_low, p.ci_high);
    std::string pr = "-";
    if (p.profiled)
      pr = fmt::format("{} .. {}", p.profile_low ? fmt::format("{:.4g}", *p.profile_low) : "open",
                       p.profile_high ? fmt::format("{:.4g}", *p.profile_high) : "open");
    fmt::print("{:<40} {:>12.5g} {:>12.5g} {:>25} {:>25}  {}{}\n", p.path, p.start, p.value, ci, pr,
               p.determined ? "determined" : "NOT DETERMINED", p.note.empty() ? "" : ": " + p.note);
  }
  if (r.parameters.size() > 1) {
    fmt::print("\ncorrelation\n");
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      fmt::print("  {:<38}", r.parameters[i].path);
      for (double c : r.correlation[i]) fmt::print(" {:>7.3f}", c);
      fmt::print("\n");
    }
  }
  for (const auto& u : r.undetermined) fmt::print("NOT DETERMINED: {}\n", u);
  fmt::print("\nchi2 {:.6g}, reduced {:.4g} ({} points, {} parameters); {} simulations in {:.2f} s; optimizer: {}\n", r.chi2,
             r.reduced_chi2, r.points, r.parameters.size(), r.simulations, r.seconds, r.converged ? "converged" : "NOT converged");
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  if (!f.output.empty()) {
    nlohmann::ordered_json j;
    j["castor"] = {{"version", castor::version()}, {"command", castor::command_line()}};
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
    std::ofstream out(f.output);
    out << j.dump(2) << "\n";
    if (!out) throw Error(f.output, "json", "cannot write");
    fmt::print(stderr, "wrote {}\n", f.output);
  }
  if (!f.curves.empty()) {
    std::ofstream c(f.curves);
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
    if (!c) throw Error(f.curves, "csv", "cannot write");
    fmt::print(stderr, "wrote {}\n", f.curves);
  }
  if (f.strict) {
    std::vector<std::string> problems = r.warnings;
    for (const auto& p : r.parameters)
      if (!p.determined) problems.push_back(p.path + " not determined");
    for (const auto& u : r.undetermined) problems.push_back(u);
    refuse_if_strict(true, problems, file.source(), "identify");
  }
}

}  // namespace

void add_identify_command(CLI::App& app) {
  auto f = std::make_shared<IdentifyFlags>();
  auto* s =
      app.add_subcommand("identify", "Fit simulator parameters to measured data, with uncertainties and what the data do not determine");
  s->add_option("PARAMS", f->params, "parameter file (.toml) or preset")->required();
  s->add_option("--data", f->data, "a measured (or simulated) file; repeat for several experiments")->required();
  s->add_option("--fit", f->fit, "a parameter by its path, with optional bounds and start: cathode.k0_A_m2=0.01:1000@1")->required();
  s->add_option("--protocol", f->protocol, "for impedance files: the steps that set the state before the spectrum");
  s->add_option("--cycles", f->cycles, "time-domain files: fit only these cycles (the file's cycle numbers), N or N-M");
  s->add_option("--only", f->only, "time-domain files: fit only the charge or only the discharge steps");
  s->add_option("--voltage", f->voltage,
                "the measured voltage is the working electrode's (electrode) or the cell's (cell); auto: "
                "electrode for simulated and three-electrode files")
      ->capture_default_str();
  s->add_option("--starts", f->starts, "multi-start: the start values, then random starts within the bounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  s->add_option("--seed", f->seed, "seed of the random starts")->capture_default_str();
  s->add_option("--max-iterations", f->max_iterations, "per start")->capture_default_str()->check(CLI::Range(1, 10000));
  s->add_option("--threads", f->threads, "finite differences in parallel (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  s->add_flag("--profile", f->profiles, "profile likelihoods: 95 % intervals that can be asymmetric or open");
  s->add_flag("--quiet", f->quiet, "no progress line");
  s->add_flag("--strict", f->strict, "exit status 2 when a parameter is not determined or the fit has warnings (after the output)");
  s->add_option("-o,--output", f->output, "result (.json)");
  s->add_option("--curves", f->curves, "the measured and fitted curves, point by point (.csv)");
  s->callback([f] { run_identify(*f); });
}

}  // namespace castor::cli
