// The simulator on any protocol a user can type: a small cell (two particle groups; the
// first byte picks homogeneous, Fickian or Cahn-Hilliard particles and the side reaction)
// must finish or raise castor::Error (a named stop: the cathode full or empty, a limit out
// of reach, bounded work), never crash, hang or leave NaN or a filling outside [0, 1] in the table.
#include <cmath>
#include <cstdlib>

#include "castor/core/columns.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(castor::fuzz::as_text(data + 1, size - 1));
  return castor::fuzz::expect_castor_errors_only([&] {
    const auto steps = castor::sim::parse_protocol(text);
    if (steps.size() > 40) return;  // bounded time per input
    auto p = castor::sim::preset("ntp-ca");
    p.lognormal_particles(15e-9, 0.35, 2);
    const int kind = data[0] % 4;
    if (kind == 1 || kind == 2) {
      p.model = kind == 1 ? castor::sim::ParticleModel::diffusion : castor::sim::ParticleModel::cahn_hilliard;
      p.volumes = 4;
      p.diffusivity_m2_s = 1e-17;
    }
    if (kind == 3) p.side_i0_A_g = 0;
    castor::sim::SimulationOptions o;
    o.max_solver_steps = 20000;
    o.max_solver_steps_per_step = 5000;
    const auto r = castor::sim::simulate(p, steps, o);
    for (const auto c : {castor::col::time_s, castor::col::voltage_V, castor::col::current_A})
      for (double v : r.table.values(c))
        if (!std::isfinite(v)) std::abort();  // a silent non-physical number is a finding
    // Fillings within [0, 1] (a filling 1e-20 from full rounds to 1 in double precision;
    // the state itself, a logit, is finite).
    for (double f : r.table.values("filling"))
      if (!(f >= 0 && f <= 1)) std::abort();
  });
}
