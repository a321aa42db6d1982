#include "identify_command.h"
#include "terminal.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/fit/identify.h"
#include "castor/fit/identify_report.h"
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

  fit::write_identify_text(r, file, xs, std::cout);
  if (!f.output.empty()) {
    std::ofstream out(f.output);
    fit::write_identify_json(r, file, out);
    if (!out) throw Error(f.output, "json", "cannot write", ErrorKind::resource);
    fmt::print(stderr, "wrote {}\n", f.output);
  }
  if (!f.curves.empty()) {
    std::ofstream c(f.curves);
    fit::write_identify_curves(r, xs, c);
    if (!c) throw Error(f.curves, "csv", "cannot write", ErrorKind::resource);
    fmt::print(stderr, "wrote {}\n", f.curves);
  }
  if (f.strict) refuse_if_strict(true, fit::identify_problems(r), file.source(), "identify");
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
