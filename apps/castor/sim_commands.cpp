#include "sim_commands.h"
#include "terminal.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/spectrum.h"
#include "castor/io/file.h"
#include "castor/io/write_table.h"
#include "castor/demo/paper_demo.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"

namespace castor::cli {
namespace {

struct SimFlags {
  std::string params = "ntp-ca", protocol, protocol_file, output;
  bool fillings = false, quiet = false;
  double rtol = 1e-7, atol = 1e-9;
  int groups = 0, volumes = 0;
};

sim::CellParameters parameters_from(const std::string& p) {
  if (p.ends_with(".toml")) return sim::load_parameters(p);
  return sim::preset(p);
}

void run_simulate(const SimFlags& f) {
  auto prm = parameters_from(f.params);
  if (f.groups > 0) {
    if (!(prm.lognormal_median_m > 0))
      throw Error(f.params, "parameters", "--groups needs a lognormal population (particles.radius_nm, sigma_log), not a list of radii");
    prm.lognormal_particles(prm.lognormal_median_m, prm.lognormal_sigma, f.groups);
  }
  if (f.volumes > 0) {
    if (prm.model == sim::ParticleModel::homogeneous)
      throw Error(f.params, "parameters", "--volumes needs resolved particles (cathode.model diffusion or cahn-hilliard)");
    prm.volumes = f.volumes;
  }
  std::string text = f.protocol;
  if (!f.protocol_file.empty()) {
    text = io::read_nonempty_file(f.protocol_file, "protocol");
  }
  if (text.empty()) throw Error("castor simulate needs --protocol 'text' or --protocol-file F");
  const auto steps = sim::parse_protocol(text);
  sim::SimulationOptions o;
  o.record_fillings = f.fillings;
  o.rtol = f.rtol;
  o.atol = f.atol;
  const auto t0 = std::chrono::steady_clock::now();
  const bool progress = cli::show_progress(f.quiet);
  if (progress)
    o.progress = [&](std::size_t k, std::size_t n, double t) {
      fmt::print(stderr, "\rstep {}/{}  simulated {:.2f} h  ({:.1f} s)", k + 1, n, t / 3600,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    };
  const auto r = sim::simulate(prm, steps, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (progress) fmt::print(stderr, "\n");
  fmt::print("{}: {} protocol steps, {} rows, {} solver steps, {:.3f} s (rtol {:g}, atol {:g})\n", prm.name.empty() ? f.params : prm.name,
             steps.size(), r.table.rows(), r.solver_steps, secs, o.rtol, o.atol);
  const auto& L = r.ledger;
  fmt::print(
      "charge ledger (C, + = charge direction): passed {:.6g} = insertion {:.6g} + side reaction {:.6g} + double layer "
      "{:.6g}  (imbalance {:.1e} relative)\n"
      "  insertion from the fillings {:.6g} (stored change {:.6g}, trapped {:.6g}, activated {:.6g}; imbalance {:.1e}); "
      "double layer charged at step changes {:.3g} (not in the current record)\n",
      L.passed_C, L.insertion_C, L.side_C, L.double_layer_C, L.imbalance, L.insertion_from_fillings_C, r.stored_change_C, L.trapped_C,
      L.activated_C, L.fillings_imbalance, L.double_layer_jumps_C);
  if (!f.output.empty()) {
    io::write_table(r.table, f.output, {});
    fmt::print(stderr, "wrote {}\n", f.output);
    // Impedance spectra: one f, Z', Z'' file each, readable by `castor eis`.
    const std::filesystem::path out(f.output);
    for (std::size_t k = 0; k < r.spectra.size(); ++k) {
      const auto path = out.parent_path() / fmt::format("{}_impedance{}.csv", out.stem().string(), k + 1);
      std::ofstream z(path);
      eis::Spectrum spectrum;
      spectrum.freq_Hz = r.spectra[k].freq_Hz, spectrum.z_ohm = r.spectra[k].z_ohm, spectrum.source = path.string();
      eis::write_spectrum_csv(spectrum, z);
      if (!z) throw Error(path.string(), "csv", "cannot write");
      fmt::print(stderr, "wrote {}\n", path.string());
    }
  } else if (!r.spectra.empty()) {
    fmt::print("{} impedance spectra computed; give -o to write them\n", r.spectra.size());
  }
}

}  // namespace

void add_sim_commands(CLI::App& app) {
  auto f = std::make_shared<SimFlags>();
  auto* s = app.add_subcommand("simulate", "Simulate a cell through a protocol; writes the common table");
  s->add_option("PARAMS", f->params, "parameter file (.toml) or preset name (ntp-ca)")->capture_default_str();
  s->add_option("--protocol", f->protocol, "steps, e.g. 'Discharge at 5 mA/g until 1.5 V; Rest for 10 minutes'");
  s->add_option("--protocol-file", f->protocol_file, "a file with one step per line");
  s->add_option("-o,--output", f->output, "table (.csv or .json)");
  s->add_flag("--fillings", f->fillings, "add one column per particle group with its mean filling");
  s->add_flag("--quiet", f->quiet, "no progress line");
  s->add_option("--groups", f->groups, "particle size groups of the lognormal population (convergence checks)")
      ->check(CLI::Range(1, 10000));
  s->add_option("--volumes", f->volumes, "radial volumes per particle (diffusion, cahn-hilliard)")->check(CLI::Range(1, 1000));
  s->add_option("--rtol", f->rtol, "relative tolerance of the time integration")->capture_default_str()->check(CLI::Range(1e-12, 1e-2));
  s->add_option("--atol", f->atol, "absolute tolerance (fillings' logits, volts, amperes)")
      ->capture_default_str()
      ->check(CLI::Range(1e-15, 1e-2));
  s->callback([f] { run_simulate(*f); });

  auto demo_params = std::make_shared<std::string>("ntp-ca");
  auto* d = app.add_subcommand("demo", "Simulate the paper's NTP | Ca cell through its experiments and compare with the paper");
  d->add_option("PARAMS", *demo_params, "parameter file (.toml) or preset")->capture_default_str();
  d->callback([demo_params] {
    const auto prm = parameters_from(*demo_params);
    fmt::print("castor demo: the {} cell (Shibuya et al., J. Mater. Chem. A 2025) simulated and analysed by castor\n\n",
               prm.name.empty() ? *demo_params : prm.name);
    fmt::print("{}", demo::format_demo(demo::run_demo(prm)));
  });
}

}  // namespace castor::cli
