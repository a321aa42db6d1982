#include "castor/sim/simulate.h"

#include "castor/sim/detail/bordered_block_lu.h"
#include "castor/sim/detail/cell_model.h"
#include "castor/sim/detail/fast_nvector.h"
#include "castor/sim/detail/cycle_ageing.h"
#include "castor/sim/detail/step_controls.h"
#include "castor/sim/detail/linear_response.h"

#include <algorithm>
#include <numeric>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>
#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"

namespace castor::sim {
namespace {

using detail::Mode;
using detail::Model;
using detail::Triplet;

struct Ctx {
  std::string solver_message;  // IDA's last error message
  Model* model = nullptr;
  std::vector<Triplet> trip;
  // The CSC pattern of the last Jacobian and, for each triplet in the order the model
  // writes them, its value slot: while the pattern stays the same (the usual case) a new
  // Jacobian is scattered into place without sorting.
  std::vector<std::pair<sunindextype, sunindextype>> pattern;
  std::vector<sunindextype> slot, csc_ptr, csc_idx;
  // Root functions of the current step.
  std::optional<double> v_limit;
  bool cell_limit = false;  // v_limit is on the cell voltage (working minus counter electrode)
  const CellParameters* prm = nullptr;
  std::optional<double> i_limit;
  double rs = 0;
  // The working electrode's potential window (V): a forced current that drives the
  // potential beyond it (the cathode full or empty, nothing else to take the current) ends
  // the step with an error, not with an unphysical state.
  double window_lo = 0, window_hi = 0;
};

// Beyond this |logit| (y within 1e-304 of a bound) the state is not representable.
constexpr double kMaxLogit = 700;
// The cathode's potential window around its E0 (V).
constexpr double kWindowV = 3.0;

void ida_message(int, const char*, const char* function, char* msg, void* data) {
  static_cast<Ctx*>(data)->solver_message = fmt::format("{}: {}", function, msg);
}

int residual_fn(sunrealtype t, N_Vector x, N_Vector xp, N_Vector F, void* data) {
  auto* c = static_cast<Ctx*>(data);
  // A Newton iterate beyond representable fillings: a recoverable error (IDA cuts the step).
  const double* v = N_VGetArrayPointer(x);
  for (std::size_t q = 0; q < c->model->groups(); ++q)
    for (std::size_t k = 0; k < c->model->volumes(); ++k)
      if (!(std::fabs(v[c->model->y(q, k)]) < kMaxLogit)) return 1;
  if (!(v[c->model->conc()] > 0)) return 1;  // a depleted electrolyte: not a state
  if (c->model->mode == Mode::potentiostatic && c->model->sweep_rate != 0)
    c->model->setpoint = c->model->sweep_v0 + c->model->sweep_rate * (t - c->model->sweep_t0);
  c->model->residual(N_VGetArrayPointer(x), N_VGetArrayPointer(xp), N_VGetArrayPointer(F));
  return 0;
}

int jacobian_fn(sunrealtype, sunrealtype cj, N_Vector x, N_Vector, N_Vector, SUNMatrix J, void* data, N_Vector, N_Vector, N_Vector) {
  auto* c = static_cast<Ctx*>(data);
  c->model->jacobian(N_VGetArrayPointer(x), cj, c->trip);
  const auto& t = c->trip;
  const auto n = SUNSparseMatrix_Columns(J);
  bool same = t.size() == c->pattern.size();
  for (std::size_t k = 0; same && k < t.size(); ++k) same = t[k].row == c->pattern[k].first && t[k].col == c->pattern[k].second;
  if (!same) {
    // New pattern: sort the triplets by column and row, merge duplicates, remember the slots.
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return t[a].col != t[b].col ? t[a].col < t[b].col : t[a].row < t[b].row; });
    c->pattern.resize(t.size());
    c->slot.assign(t.size(), 0);
    c->csc_ptr.assign(static_cast<std::size_t>(n) + 1, 0);
    c->csc_idx.clear();
    std::size_t k = 0;
    for (sunindextype col = 0; col < n; ++col) {
      c->csc_ptr[static_cast<std::size_t>(col)] = static_cast<sunindextype>(c->csc_idx.size());
      while (k < order.size() && t[order[k]].col == col) {
        const auto& e = t[order[k]];
        if (c->csc_idx.size() > static_cast<std::size_t>(c->csc_ptr[static_cast<std::size_t>(col)]) && c->csc_idx.back() == e.row) {
          c->slot[order[k]] = static_cast<sunindextype>(c->csc_idx.size() - 1);
        } else {
          c->slot[order[k]] = static_cast<sunindextype>(c->csc_idx.size());
          c->csc_idx.push_back(e.row);
        }
        ++k;
      }
    }
    c->csc_ptr[static_cast<std::size_t>(n)] = static_cast<sunindextype>(c->csc_idx.size());
    for (std::size_t q = 0; q < t.size(); ++q) c->pattern[q] = {t[q].row, t[q].col};
  }
  const auto nnz = static_cast<sunindextype>(c->csc_idx.size());
  if (nnz > SUNSparseMatrix_NNZ(J)) SUNSparseMatrix_Reallocate(J, nnz);
  sunindextype* ptr = SUNSparseMatrix_IndexPointers(J);
  sunindextype* idx = SUNSparseMatrix_IndexValues(J);
  sunrealtype* val = SUNSparseMatrix_Data(J);
  std::copy(c->csc_ptr.begin(), c->csc_ptr.end(), ptr);
  std::copy(c->csc_idx.begin(), c->csc_idx.end(), idx);
  std::fill(val, val + nnz, 0.0);
  for (std::size_t q = 0; q < t.size(); ++q) val[c->slot[q]] += t[q].value;
  return 0;
}

int root_fn(sunrealtype, N_Vector x, N_Vector, sunrealtype* g, void* data) {
  auto* c = static_cast<Ctx*>(data);
  const double* v = N_VGetArrayPointer(x);
  const double vwe = c->model->electrode_potential(v);
  int k = 0;
  if (c->v_limit)
    g[k++] = vwe - (c->cell_limit ? counter_electrode_V(*c->prm, v[c->model->icell()], v[c->model->qcell()]) : 0.0) - *c->v_limit;
  if (c->i_limit) g[k++] = std::fabs(v[c->model->icell()]) - *c->i_limit;
  g[k++] = v[c->model->phi()] - c->window_lo;
  g[k++] = c->window_hi - v[c->model->phi()];
  return 0;
}

void check(int flag, const char* what) {
  if (flag < 0) throw Error(fmt::format("simulator: {} failed (SUNDIALS flag {})", what, flag));
}

}  // namespace

double counter_electrode_V(const CellParameters& p, double current_A, double charge_passed_C) {
  if (!p.counter_is_capacitor) return anode_overpotential_V(p, -current_A);
  return p.counter_initial_V - charge_passed_C / p.counter_capacitance_F - current_A * p.anode_resistance_ohm_m2 / p.anode_area_m2;
}

double anode_overpotential_V(const CellParameters& p, double current_A) {
  const double i = current_A / p.anode_area_m2, k0 = p.anode_k0_A_m2 * p.arrhenius(p.anode_activation_kJ_mol), a = p.anode_alpha;
  const double f = p.ion_charge / p.kT_eV();
  // The plating barrier and the film's ohmic drop, beyond the charge transfer.
  const double barrier = i < 0 ? -p.anode_plating_overpotential_V * (1 - std::exp(i / (0.01 * k0))) : 0.0;
  const double extra = barrier + i * p.anode_resistance_ohm_m2;
  // Newton on i = k0 (exp((1-a) f eta) - exp(-a f eta)), from the Tafel estimate.
  // The residual rises monotonically with eta: Newton steps limited to 50 mV, then
  // bisection on the bracket found, so the answer is converged or an error.
  double eta = 0;
  auto r_of = [&](double e) { return k0 * (std::exp((1 - a) * f * e) - std::exp(-a * f * e)) - i; };
  for (int it = 0; it < 400; ++it) {
    const double ea = std::exp((1 - a) * f * eta), ec = std::exp(-a * f * eta);
    const double r = k0 * (ea - ec) - i, d = k0 * f * ((1 - a) * ea + a * ec);
    const double step = r / d;
    eta -= std::clamp(step, -0.05, 0.05);
    if (std::fabs(step) < 1e-12 * (1 + std::fabs(eta))) return eta + extra;
  }
  double lo = -20, hi = 20;
  if (!(r_of(lo) < 0 && r_of(hi) > 0))
    throw Error(fmt::format("simulator: the anode cannot pass {:.4g} A (k0 {} A/m2, alpha {}): its overpotential is beyond 20 V", current_A,
                            k0, a));
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    const double m = 0.5 * (lo + hi);
    (r_of(m) < 0 ? lo : hi) = m;
  }
  return 0.5 * (lo + hi) + extra;
}

SimulationResult simulate(const CellParameters& prm, const std::vector<ProtocolStep>& protocol, const SimulationOptions& o) {
  validate(prm, prm.name.empty() ? "parameters" : prm.name);
  Model model(prm);
  const std::size_t n = model.size();
  SUNContext sun = nullptr;
  check(SUNContext_Create(nullptr, &sun), "SUNContext_Create");
  N_Vector x = N_VNew_Serial(static_cast<sunindextype>(n), sun), xp = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  N_Vector id = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  for (N_Vector v : {x, xp, id}) detail::use_compiled_vector_ops(v);  // IDA's clones inherit them
  double* xv = N_VGetArrayPointer(x);
  double* xpv = N_VGetArrayPointer(xp);
  double* idv = N_VGetArrayPointer(id);
  for (std::size_t k = 0; k < n; ++k) xv[k] = xpv[k] = 0, idv[k] = 0;
  for (std::size_t q = 0; q < model.groups(); ++q)
    for (std::size_t k = 0; k < model.volumes(); ++k) xv[model.y(q, k)] = Model::logit(prm.initial_filling), idv[model.y(q, k)] = 1;
  if (model.cdl_total() > 0) idv[model.phi()] = 1;
  if (model.sei()) idv[model.psi()] = 1;
  idv[model.qcell()] = idv[model.qside()] = idv[model.qins()] = 1;
  xv[model.phi()] = model.e_eq(Model::logit(prm.initial_filling));
  xv[model.conc()] = 1;
  void* ida = IDACreate(sun);
  Ctx ctx;
  ctx.model = &model;
  ctx.rs = prm.series_resistance_ohm;
  ctx.prm = &prm;
  ctx.window_lo = prm.e0_V - kWindowV;
  ctx.window_hi = prm.e0_V + kWindowV;
  SUNMatrix J = SUNSparseMatrix(static_cast<sunindextype>(n), static_cast<sunindextype>(n), static_cast<sunindextype>(8 * n), CSC_MAT, sun);
  // The particle groups (volumes and current) are the Jacobian's diagonal blocks; the
  // potential, cell current, charges, film and electrolyte unknowns its border.
  const std::size_t block = model.volumes() + 1;
  SUNLinearSolver LS = detail::make_bordered_block_solver(sun, model.groups(), block, n - model.groups() * block, &ctx.solver_message);
  struct Cleanup {
    void*& ida;
    SUNLinearSolver& ls;
    SUNMatrix& J;
    N_Vector &x, &xp, &id;
    SUNContext& sun;
    ~Cleanup() {
      IDAFree(&ida);
      SUNLinSolFree(ls);
      SUNMatDestroy(J);
      N_VDestroy(x), N_VDestroy(xp), N_VDestroy(id);
      SUNContext_Free(&sun);
    }
  } cleanup{ida, LS, J, x, xp, id, sun};
  check(IDAInit(ida, residual_fn, 0.0, x, xp), "IDAInit");
  check(IDASetUserData(ida, &ctx), "IDASetUserData");
  // Absolute tolerances in each unknown's own scale: atol for the logits and volts, atol
  // times the 1 C current for currents, times the capacity for charges (a 1e-9 A floor on
  // microampere currents would be a loose 1e-3 relative).
  N_Vector atol_v = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  detail::use_compiled_vector_ops(atol_v);
  {
    double* a = N_VGetArrayPointer(atol_v);
    const double q_total = std::max(model.total_capacity_C(), 1e-30), i_1c = q_total / 3600;
    for (std::size_t k = 0; k < n; ++k) a[k] = o.atol;
    for (std::size_t q = 0; q < model.groups(); ++q) a[model.cur(q)] = o.atol * i_1c;
    a[model.icell()] = o.atol * i_1c;
    a[model.qcell()] = a[model.qside()] = a[model.qins()] = o.atol * q_total;
  }
  const int tol_flag = IDASVtolerances(ida, o.rtol, atol_v);
  N_VDestroy(atol_v);
  check(tol_flag, "IDASVtolerances");
  check(IDASetLinearSolver(ida, LS, J), "IDASetLinearSolver");
  check(IDASetJacFn(ida, jacobian_fn), "IDASetJacFn");
  check(IDASetId(ida, id), "IDASetId");
  // The error test watches every unknown, the algebraic ones too: with them left out, the
  // predictor's potential can pass the corrector unchecked (a 5 mV excursion seen on
  // Cahn-Hilliard particles), and the potential is what the experiment measures.
  check(IDASetSuppressAlg(ida, SUNFALSE), "IDASetSuppressAlg");
  check(IDASetMaxNumSteps(ida, 20000), "IDASetMaxNumSteps");
  // IDA's own messages go into the error castor raises, not onto stderr.
  check(IDASetErrHandlerFn(ida, ida_message, &ctx), "IDASetErrHandlerFn");

  // Output columns.
  std::vector<double> T, V, I, ECE, CYC, STEP, KIND, VCELL, FILL;
  std::vector<std::vector<double>> groups(o.record_fillings ? model.groups() : 0);
  std::vector<std::vector<double>> surfaces(o.record_fillings ? model.groups() : 0);
  SimulationResult res;
  detail::CycleAgeing ageing(prm, model);
  double t = 0;
  auto record = [&](std::size_t step, StepKind kind) {
    const double icell = xv[model.icell()];
    const double vwe = model.electrode_potential(xv);
    const double ece = counter_electrode_V(prm, icell, xv[model.qcell()]);
    T.push_back(t), V.push_back(vwe), I.push_back(icell), ECE.push_back(ece), CYC.push_back(ageing.cycle());
    STEP.push_back(static_cast<double>(step + 1)), KIND.push_back(static_cast<double>(kind)), VCELL.push_back(vwe - ece);
    for (std::size_t q = 0; q < groups.size(); ++q)
      groups[q].push_back(model.group_filling(xv, q)), surfaces[q].push_back(Model::fill_of(xv[model.y(q, model.volumes() - 1)]));
    FILL.push_back(model.mean_filling(xv));
    res.charge_passed_C = xv[model.qcell()];
    res.side_charge_C = xv[model.qside()];
  };
  const double stored0 = model.stored_charge_C(xv);
  const detail::StepScales scales{prm.mass_g, prm.anode_area_m2, prm.mass_g * prm.capacity_mAh_g * 3.6};
  const double cap_total_C = scales.capacity_C;

  for (std::size_t si = 0; si < protocol.size(); ++si) {
    const auto& s = protocol[si];
    const double step_t0 = t;
    const auto control = detail::make_control(s, scales);
    if (!control) {  // impedance: the linear response at the present state, no time passes
      res.spectra.push_back(linear_response(model, xv, s, si, prm.series_resistance_ohm));
      if (o.progress) o.progress(si, protocol.size(), t);
      continue;
    }
    ageing.before_step(s.type, xv, res.ledger);
    const detail::StepPlan plan = control->plan(t, model.electrode_potential(xv));
    const StepKind kind = plan.kind;
    model.mode = plan.mode;
    model.setpoint = plan.setpoint;
    model.sweep_v0 = plan.sweep_v0;
    model.sweep_t0 = t;
    model.sweep_rate = plan.sweep_rate;
    ctx.v_limit = plan.v_limit;
    ctx.cell_limit = plan.cell_limit;
    ctx.i_limit = plan.i_limit;
    const double t_end = t + plan.duration_s;
    // Consistent start of the step: the algebraic unknowns are solved for the new setpoint
    // (consistent_algebraics), and the rates of the fillings follow from the residual
    // (dF/du' = 1 for them); the double layer starts with phi' = 0.
    const double phi_before = xv[model.phi()];
    model.consistent_algebraics(xv);
    // A potential step charges the double layer at once (a spike no record shows).
    res.ledger.double_layer_jumps_C += model.cdl_total() * (xv[model.phi()] - phi_before);
    {
      std::vector<double> F(n);
      for (std::size_t k = 0; k < n; ++k) xpv[k] = 0;
      model.residual(xv, xpv, F.data());
      for (std::size_t q = 0; q < model.groups(); ++q)
        for (std::size_t k = 0; k < model.volumes(); ++k) xpv[model.y(q, k)] = -F[model.y(q, k)];
      xpv[model.qcell()] = -F[model.qcell()];
      xpv[model.qside()] = -F[model.qside()];
      xpv[model.qins()] = -F[model.qins()];
      if (model.cdl_total() > 0 && model.mode == Mode::galvanostatic) xpv[model.phi()] = -F[model.phi()] / model.cdl_total();
      if (model.sei()) xpv[model.psi()] = -F[model.psi()] / model.sei_capacitance();
    }
    const double phi_start = xv[model.phi()], q_start = xv[model.qcell()], ins_start = xv[model.qins()];
    check(IDAReInit(ida, t, x, xp), "IDAReInit");
    const int nroots = (ctx.v_limit ? 1 : 0) + (ctx.i_limit ? 1 : 0) + 2;
    check(IDARootInit(ida, nroots, root_fn), "IDARootInit");
    check(IDASetStopTime(ida, t_end), "IDASetStopTime");
    const double vwe0 = model.electrode_potential(xv);
    auto where = [&] {
      const double vwe = model.electrode_potential(xv);
      const double icell = xv[model.icell()];
      const double side = model.side_current(xv[model.phi()], xv[model.qside()]);
      return fmt::format("at t = {:.6g} s the working electrode is at {:.4g} V, the cathode {:.4g} % filled{}", t, vwe,
                         100 * model.mean_filling(xv),
                         icell != 0 && std::fabs(side) > 1e-3 * std::fabs(icell)
                             ? fmt::format(", the side reaction takes {:.3g} % of the current", 100 * std::fabs(side / icell))
                             : "");
    };
    // Limits already passed at the start end the step at once.
    bool done = false;
    const double v_limited = vwe0 - (ctx.cell_limit ? counter_electrode_V(prm, xv[model.icell()], xv[model.qcell()]) : 0.0);
    if (ctx.v_limit && ((model.setpoint < 0 && v_limited <= *ctx.v_limit) || (model.setpoint > 0 && v_limited >= *ctx.v_limit)))
      done = true;
    if (ctx.i_limit && std::fabs(xv[model.icell()]) <= *ctx.i_limit) done = true;
    if (!(xv[model.phi()] > ctx.window_lo && xv[model.phi()] < ctx.window_hi))
      throw Error(fmt::format("simulator: step {} '{}' cannot start: {}, outside the cathode's window E0 +- {} V", si + 1, s.text, where(),
                              kWindowV));
    record(si, kind);
    long steps = 0;
    while (!done) {
      double tret = t;
      const int flag = IDASolve(ida, t_end, &tret, x, xp, IDA_ONE_STEP);
      if (flag < 0)
        throw Error(fmt::format("simulator: step {} '{}' failed at t = {:.6g} s (IDA flag {}): {}", si + 1, s.text, tret, flag,
                                (flag == IDA_CONV_FAIL || flag == IDA_ERR_FAIL
                                     ? std::string("the solver could not converge (a limit out of reach, or the cell is exhausted)")
                                     : std::string("solver error")) +
                                    (ctx.solver_message.empty() ? "" : " [" + ctx.solver_message + "]")));
      t = tret;
      record(si, kind);
      ++steps;
      ++res.solver_steps;
      if (flag == IDA_ROOT_RETURN) {
        std::vector<int> info(static_cast<std::size_t>(nroots), 0);
        check(IDAGetRootInfo(ida, info.data()), "IDAGetRootInfo");
        if (info[static_cast<std::size_t>(nroots - 2)] != 0 || info[static_cast<std::size_t>(nroots - 1)] != 0) {
          const bool low = xv[model.phi()] <= ctx.window_lo + 1e-9;
          const double fill_now = model.mean_filling(xv);
          const std::string why = low && fill_now > 0.99    ? "the cathode is full"
                                  : !low && fill_now < 0.01 ? "the cathode is empty"
                                                            : "the kinetics cannot pass this current at any potential";
          throw Error(fmt::format("simulator: step {} '{}': {}{}: {}, beyond E0 {} {} V, and nothing else takes the current", si + 1,
                                  s.text, why, ctx.v_limit ? fmt::format(" before {:.4g} V", *ctx.v_limit) : "", where(), low ? "-" : "+",
                                  kWindowV));
        }
        done = true;
      }
      if (flag == IDA_TSTOP_RETURN || t >= t_end) {
        if (plan.duration_is_bound)
          throw Error(
              fmt::format("simulator: step {} '{}' did not reach its limit in {:.4g} h (ten times the time this current "
                          "takes to fill or empty the whole cathode): {}",
                          si + 1, s.text, (t_end - step_t0) / 3600, where()));
        done = true;
      }
      if (steps > o.max_solver_steps_per_step)
        throw Error(
            fmt::format("simulator: step {} '{}' needed more than {} solver steps: stopped", si + 1, s.text, o.max_solver_steps_per_step));
      if (res.solver_steps > o.max_solver_steps)
        throw Error(fmt::format("simulator: the run needed more than {} solver steps (at step {} '{}'): stopped", o.max_solver_steps,
                                si + 1, s.text));
    }
    {
      long v = 0;
      if (IDAGetNumResEvals(ida, &v) == IDA_SUCCESS) res.work.residuals += v;
      if (IDAGetNumJacEvals(ida, &v) == IDA_SUCCESS) res.work.jacobians += v;
      if (IDAGetNumLinSolvSetups(ida, &v) == IDA_SUCCESS) res.work.factorizations += v;
      if (IDAGetNumNonlinSolvIters(ida, &v) == IDA_SUCCESS) res.work.newton_iterations += v;
      if (IDAGetNumErrTestFails(ida, &v) == IDA_SUCCESS) res.work.error_test_failures += v;
      if (IDAGetNumNonlinSolvConvFails(ida, &v) == IDA_SUCCESS) res.work.newton_failures += v;
    }
    res.ledger.double_layer_C += model.cdl_total() * (xv[model.phi()] - phi_start);
    res.ledger.throughput_C += std::max(std::fabs(xv[model.qcell()] - q_start), std::fabs(xv[model.qins()] - ins_start));
    if (o.progress) o.progress(si, protocol.size(), t);
  }
  res.stored_change_C = stored0 - model.stored_charge_C(xv);
  // The charge ledger: what passed through the cell went into the particles, the side
  // reaction or the double layer; the fillings must account for the insertion term.
  auto& L = res.ledger;
  L.passed_C = xv[model.qcell()];
  L.insertion_C = xv[model.qins()];
  L.side_C = xv[model.qside()];
  L.insertion_from_fillings_C = res.stored_change_C - L.trapped_C + L.activated_C;
  L.scale_C = std::max({L.throughput_C, std::fabs(L.side_C), 1e-3 * cap_total_C});
  L.imbalance = (L.passed_C - L.insertion_C - L.side_C - L.double_layer_C) / L.scale_C;
  L.fillings_imbalance = (L.insertion_C - L.insertion_from_fillings_C) / L.scale_C;
  if (!(std::fabs(L.imbalance) <= o.ledger_tolerance) || !(std::fabs(L.fillings_imbalance) <= o.fillings_tolerance))
    throw Error(fmt::format(
        "simulator: the charge ledger does not balance: passed {:.9g} C = insertion {:.9g} C + side "
        "{:.9g} C + double layer {:.9g} C leaves {:.3g} (relative to the {:.6g} C that moved); the fillings account for {:.9g} C of "
        "the insertion ({:.3g} relative); tolerances {:.1g} and {:.1g}: tighten --rtol",
        L.passed_C, L.insertion_C, L.side_C, L.double_layer_C, L.imbalance, L.scale_C, L.insertion_from_fillings_C, L.fillings_imbalance,
        o.ledger_tolerance, o.fillings_tolerance));
  Table& tab = res.table;
  tab.meta.source_file = "simulation:" + prm.name;
  tab.meta.format = "castor-simulation";
  tab.meta.instrument = "castor simulator (SUNDIALS IDA, bordered block LU)";
  tab.meta.active_mass_g = prm.mass_g;
  tab.meta.technique = "simulation";
  tab.add(col::time_s, "s", "simulated", ColumnRole::Common, std::move(T));
  tab.add(col::voltage_V, "V", "working electrode vs reference", ColumnRole::Common, std::move(V));
  tab.add(col::current_A, "A", "simulated", ColumnRole::Common, std::move(I));
  tab.add(col::counter_voltage_V, "V",
          prm.counter_is_capacitor ? "capacitive counter electrode vs reference" : "anode overpotential vs reference", ColumnRole::Common,
          std::move(ECE));
  tab.add(col::cycle, "", "simulated", ColumnRole::Common, std::move(CYC));
  tab.add(col::step, "", "protocol step", ColumnRole::Common, std::move(STEP));
  tab.add(col::step_kind, "", "protocol step", ColumnRole::Common, std::move(KIND));
  tab.add("cell_voltage_V", "V", "two-electrode", ColumnRole::Raw, std::move(VCELL));
  tab.add("filling", "", "mean ion filling of the active material", ColumnRole::Raw, std::move(FILL));
  for (std::size_t q = 0; q < groups.size(); ++q) {
    tab.add(fmt::format("filling_r{:.4g}nm", prm.particles[q].radius_m * 1e9), "", "mean filling of one particle group", ColumnRole::Raw,
            std::move(groups[q]));
    tab.add(fmt::format("surface_filling_r{:.4g}nm", prm.particles[q].radius_m * 1e9), "", "filling of the outer volume", ColumnRole::Raw,
            std::move(surfaces[q]));
  }
  return res;
}

}  // namespace castor::sim
