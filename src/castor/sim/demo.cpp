#include "castor/sim/demo.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cv/cv.h"
#include "castor/cycling/cycling.h"
#include "castor/eis/fit.h"
#include "castor/gitt/gitt.h"
#include "castor/sim/simulate.h"
#include "castor/xrd/crystal.h"
#include "castor/xrd/profile.h"

namespace castor::sim {
namespace {
std::string num(double v, int prec = 3) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, prec) : "-"; }
}  // namespace

DemoResult run_demo(const CellParameters& prm, int cycles) {
  DemoResult d;
  const auto t0 = std::chrono::steady_clock::now();
  const double qth = prm.capacity_mAh_g;
  // 1. Galvanostatic cycling, 5 mA/g, 1.5-2.6 V.
  const auto cyc = simulate(prm, parse_protocol(fmt::format(
                                     "(Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V) x {}", cycles)));
  cycling::CyclingOptions co;
  co.mass = cycling::ActiveMass::given_mg(prm.mass_g * 1e3);
  const auto r = cycling::analyse_cycling(cyc.table, co);
  for (const auto& c : r.cycles) d.discharge_mAh_g.push_back(r.specific(c.discharge_mAh)), d.charge_mAh_g.push_back(r.specific(c.charge_mAh));
  const double q1d = d.discharge_mAh_g.at(0), q1c = d.charge_mAh_g.at(0);
  d.lines.push_back({"first discharge / charge capacity (mAh/g)", "53.4 / 40.6", num(q1d, 1) + " / " + num(q1c, 1), ""});
  d.lines.push_back({"Ca per formula unit", "0.40 / 0.30", num(q1d / qth, 2) + " / " + num(q1c / qth, 2),
                     fmt::format("theoretical {:.1f} mAh/g for one Ca2+", qth)});
  // Plateau voltages from dQ/dV (three-electrode) and two-electrode, cycle 2.
  const std::size_t ci = r.cycles.size() > 1 ? 1 : 0;
  const auto& c2 = r.cycles[ci];
  if (c2.hysteresis) {
    d.lines.push_back({"dQ/dV peaks, three-electrode (V)", "1.87 / 1.91",
                       num(c2.hysteresis->discharge_V, 2) + " / " + num(c2.hysteresis->charge_V, 2),
                       c2.hysteresis->method == cycling::HysteresisMethod::soc50 ? "SOC-50 % voltages" : "main peaks"});
    d.lines.push_back({"hysteresis, three-electrode (V)", "0.04", num(c2.hysteresis->value_V, 2), ""});
  }
  const Table cell = cycling::with_cell_voltage(cyc.table);
  {
    const auto& ch = r.steps[r.half_cycles[2 * ci + 1].main_step].step;
    const auto& dis = r.steps[r.half_cycles[2 * ci].main_step].step;
    const auto h2 = cycling::hysteresis(cell, ch, dis, co.dqdv, false, "cell_voltage_V");
    d.lines.push_back({"plateau, two-electrode (V)", "1.86 / 2.09", num(h2.discharge_V, 2) + " / " + num(h2.charge_V, 2), ""});
    d.lines.push_back({"hysteresis, two-electrode (V)", "0.23", num(h2.value_V, 2), ""});
    const auto& ce = cyc.table.values(col::counter_voltage_V);
    d.lines.push_back({"counter electrode on discharge / charge (V)", "+0.01 / -0.18",
                       num(ce[(dis.begin + dis.end) / 2], 2) + " / " + num(ce[(ch.begin + ch.end) / 2], 2), ""});
  }
  if (d.discharge_mAh_g.size() >= 15) {
    d.lines.push_back({"discharge capacity, cycles 1 / 3 / 15 (mAh/g)", "rises 1-3, fades to 15",
                       num(d.discharge_mAh_g[0], 1) + " / " + num(d.discharge_mAh_g[2], 1) + " / " + num(d.discharge_mAh_g[14], 1), ""});
  }
  // 2. Particle size: 25 nm against 10 um at 5 mA/g (same material, one size each), as
  // phase-separating Cahn-Hilliard particles (10 nm interface) on a surface-refined mesh.
  for (double r_nm : {25.0, 10000.0}) {
    CellParameters one = prm;
    one.particles = {{r_nm * 1e-9, 1.0}};
    one.model = ParticleModel::cahn_hilliard;
    one.volumes = r_nm < 100 ? 20 : 60;
    one.mesh_ratio = r_nm < 100 ? 1.0 : 0.9;
    one.interface_width_nm = r_nm < 100 ? 1.0 : 10.0;
    one.diffusivity_m2_s = 5.7e-13 * 1e-4;
    one.active_fraction = 1.0;
    one.activation_per_cycle = one.trapping_per_cycle = 0;
    one.side_i0_A_g = 0;
    const auto s = simulate(one, parse_protocol("Discharge at 5 mA/g until 1.5 V"));
    const auto rr = cycling::analyse_cycling(s.table, co);
    const double q = rr.specific(rr.half_cycles.at(0).capacity_mAh);
    d.lines.push_back({fmt::format("capacity at 5 mA/g, r = {:g} nm", r_nm),
                       r_nm < 100 ? "most of it" : "almost none", fmt::format("{:.1f} mAh/g ({:.0f} %)", q, 100 * q / qth),
                       fmt::format("Cahn-Hilliard, D 5.7e-13 cm2/s, r^2/D = {:.3g} s", std::pow(r_nm * 1e-7, 2) / 5.7e-13)});
  }
  // 3. GITT: 5 mA/g for 30 min, 10 min rest; the paper's 25 nm particles fail the check.
  {
    CellParameters g = prm;
    g.activation_per_cycle = g.trapping_per_cycle = 0;
    g.side_i0_A_g = 0;
    const auto s = simulate(g, parse_protocol("(Discharge at 5 mA/g for 30 minutes; Rest for 10 minutes) x 6"));
    gitt::GittOptions go;
    go.mass_g = prm.mass_g;
    go.molar_mass_g_mol = prm.molar_mass_g_mol;
    go.ion_charge = prm.ion_charge;
    go.radius_cm = 25e-7;
    const auto gr = gitt::analyse_gitt(s.table, go);
    d.lines.push_back({"GITT validity (25 nm, tau 1800 s)", "not discussed", fmt::format("{} of {} pulses flagged", gr.invalid, gr.pulses.size()),
                       "Weppner-Huggins needs tau << r^2/D"});
  }
  // 4. CV at 0.1 mV/s, 1.5-2.6 V, from open circuit at 2.6 V.
  {
    CellParameters v = prm;
    v.activation_per_cycle = v.trapping_per_cycle = 0;
    v.side_i0_A_g = 0;
    const auto s = simulate(v, parse_protocol("Sweep from 2.6 V to 1.5 V at 0.1 mV/s; Sweep from 1.5 V to 2.6 V at 0.1 mV/s"));
    const auto cr = cv::analyse_cv(s.table);
    if (!cr.cycles.empty() && cr.cycles[0].anodic && cr.cycles[0].cathodic)
      d.lines.push_back({"CV peaks at 0.1 mV/s, reduction / oxidation (V)", "1.75 / 2.05",
                         num(cr.cycles[0].cathodic->potential_V, 2) + " / " + num(cr.cycles[0].anodic->potential_V, 2), ""});
  }
  // 5. EIS after the first discharge, from the linearised model, fitted by castor's EIS fit.
  {
    CellParameters z = prm;
    z.activation_per_cycle = z.trapping_per_cycle = 0;
    const auto s = simulate(z, parse_protocol("Discharge at 5 mA/g until 1.5 V; Rest for 1 hour; "
                                              "Impedance from 1 MHz to 10 mHz at 5 mV, 10 per decade"));
    eis::Spectrum sp;
    sp.source = "simulated";
    sp.freq_Hz = s.spectra.at(0).freq_Hz;
    sp.z_ohm = s.spectra.at(0).z_ohm;
    const auto fit = eis::fit_circuit(eis::Circuit("R0-p(R1,C1)-C2"), sp);
    d.lines.push_back({"EIS after discharge: Rs / Rct (Ohm)", "fitted Rs, R_SEI, Rct",
                       fmt::format("{:.1f} / {:.0f}", fit.values[0], fit.values[1]),
                       fmt::format("R0-p(R1,C1)-C2, {} points, 1 MHz - 10 mHz", sp.size())});
  }
  // 6. Structure: NTP's (113) line from the paper's cell, and the cell of the Ca-inserted
  // phase indexed from its three new lines (castor's XRD tools, no simulation).
  {
    const auto ntp = xrd::make_crystal("R -3 c:H", 8.4828, 8.4828, 21.7760, 90, 90, 120);
    d.lines.push_back({"NTP (113), Cu Ka1 (deg 2-theta)", "24.29", num(xrd::two_theta_deg(xrd::d_spacing_A(ntp, 1, 1, 3), 1.5406), 3),
                       "R-3c, a 8.4828, c 21.7760 A"});
    const auto ca = xrd::cell_from_peaks(ntp, {{1, 1, 3, 23.7}, {0, 2, 4, 28.6}, {1, 1, 6, 32.1}}, 1.5406);
    d.lines.push_back({"Ca phase cell from 23.7 / 28.6 / 32.1 deg", "new phase", fmt::format("a {:.2f}, c {:.2f} A", ca.a, ca.c),
                       "indexed (113) (024) (116)"});
  }
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return d;
}

std::string format_demo(const DemoResult& d) {
  std::string s = fmt::format("{:<48} {:<24} {:<24} {}\n", "quantity", "paper", "castor", "note");
  for (const auto& l : d.lines) s += fmt::format("{:<48} {:<24} {:<24} {}\n", l.quantity, l.paper, l.castor, l.note);
  s += fmt::format("(all simulations and analyses: {:.2f} s)\n", d.seconds);
  return s;
}

}  // namespace castor::sim
