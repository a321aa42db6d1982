#include "castor/fit/experiment.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/cycling/steps.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/read_impedance.h"
#include "castor/io/read.h"
#include "castor/sim/protocol.h"

namespace castor::fit {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Rows [b, e) of one file step, classified as what an instrument imposes.
struct Piece {
  std::size_t begin = 0, end = 0;
  sim::StepType type = sim::StepType::rest;
  double current_A = 0, voltage_V = 0, to_V = 0, rate_V_s = 0;
};

constexpr double kConstantCurrent = 0.02;   // relative spread of a constant current
constexpr double kConstantVoltage = 0.005;  // V: spread of a hold, residual of a sweep

// Classifies rows [b, e): rest, constant current, hold, sweep; a CC-CV step is split at
// the row where the current leaves its constant value. Unclassifiable rows are reproduced
// by their mean current, with a note.
void classify(const std::vector<double>& t, const std::vector<double>& V, const std::vector<double>& I, std::size_t b, std::size_t e,
              double rest_A, bool sweep_kind, int depth, std::vector<Piece>& out, std::vector<std::string>& notes, int file_step) {
  if (e <= b) return;
  Piece p;
  p.begin = b, p.end = e;
  const double dt = t[e - 1] - t[b];
  double q = 0;
  for (std::size_t k = b + 1; k < e; ++k) q += 0.5 * (I[k] + I[k - 1]) * (t[k] - t[k - 1]);
  const double mean_I = dt > 0 ? q / dt : I[b];
  double i_med = 0, i_dev = 0, v_min = V[b], v_max = V[b];
  {
    std::vector<double> ii(I.begin() + static_cast<std::ptrdiff_t>(b), I.begin() + static_cast<std::ptrdiff_t>(e));
    i_med = median(ii);
    // The spread that 95 % of the rows stay within (a cycler's first samples of a step
    // can lag its setpoint).
    std::vector<double> dev;
    for (std::size_t k = b; k < e; ++k) dev.push_back(std::fabs(I[k] - i_med));
    std::sort(dev.begin(), dev.end());
    i_dev = dev[std::min(dev.size() - 1, static_cast<std::size_t>(0.95 * static_cast<double>(dev.size())))];
    for (std::size_t k = b; k < e; ++k) v_min = std::min(v_min, V[k]), v_max = std::max(v_max, V[k]);
  }
  // Linear fit of V(t): a sweep.
  double slope = 0, resid = 0;
  if (e - b >= 3 && dt > 0) {
    double st = 0, sv = 0, stt = 0, stv = 0;
    const double n = static_cast<double>(e - b);
    for (std::size_t k = b; k < e; ++k) st += t[k], sv += V[k], stt += t[k] * t[k], stv += t[k] * V[k];
    const double den = n * stt - st * st;
    if (den > 0) {
      slope = (n * stv - st * sv) / den;
      const double icpt = (sv - slope * st) / n;
      for (std::size_t k = b; k < e; ++k) resid = std::max(resid, std::fabs(V[k] - icpt - slope * t[k]));
    }
  }
  if (!sweep_kind && std::fabs(i_med) < rest_A && i_dev < rest_A) {
    p.type = sim::StepType::rest;
  } else if (!sweep_kind && std::fabs(i_med) >= rest_A && i_dev <= kConstantCurrent * std::fabs(i_med)) {
    p.type = mean_I > 0 ? sim::StepType::charge : sim::StepType::discharge;
    p.current_A = std::fabs(mean_I);
  } else if (v_max - v_min <= kConstantVoltage && !sweep_kind) {
    p.type = sim::StepType::hold;
    p.voltage_V = 0.5 * (v_min + v_max);
  } else if (e - b >= 3 && resid <= kConstantVoltage && std::fabs(slope) * dt > kConstantVoltage) {
    p.type = sim::StepType::sweep;
    p.voltage_V = V[b], p.to_V = V[e - 1], p.rate_V_s = std::fabs(V[e - 1] - V[b]) / dt;
  } else if (depth == 0 && std::fabs(I[b]) >= rest_A) {
    // CC-CV: the constant-current part ends where the current leaves its first value.
    std::size_t k = b + 1;
    while (k < e && std::fabs(I[k] - I[b]) <= kConstantCurrent * std::fabs(I[b])) ++k;
    if (k > b + 1 && k < e) {
      classify(t, V, I, b, k, rest_A, false, 1, out, notes, file_step);
      classify(t, V, I, k, e, rest_A, false, 1, out, notes, file_step);
      return;
    }
    p.type = mean_I > 0 ? sim::StepType::charge : sim::StepType::discharge;
    p.current_A = std::fabs(mean_I);
    notes.push_back(
        fmt::format("file step {}: neither a constant current nor a constant or swept potential; reproduced by "
                    "its mean current {:.4g} A",
                    file_step, mean_I));
  } else {
    p.type = mean_I >= 0 ? sim::StepType::charge : sim::StepType::discharge;
    p.current_A = std::fabs(mean_I);
    if (p.current_A < rest_A) p.type = sim::StepType::rest;
    notes.push_back(
        fmt::format("file step {}: neither a constant current nor a constant or swept potential; reproduced by "
                    "its mean current {:.4g} A",
                    file_step, mean_I));
  }
  out.push_back(p);
}

}  // namespace

double second_difference_noise(const std::vector<double>& v, const std::vector<std::size_t>& run) {
  std::vector<double> d;
  for (std::size_t k = 1; k + 1 < v.size(); ++k)
    if (run[k - 1] == run[k] && run[k + 1] == run[k]) {
      const double x = v[k + 1] - 2 * v[k] + v[k - 1];
      if (std::isfinite(x)) d.push_back(std::fabs(x));
    }
  if (d.size() < 3) return NAN;
  return 1.4826 * median(d) / std::sqrt(6.0);
}

MeasuredExperiment experiment_from_table(const Table& table, const std::string& source, VoltageKind voltage, Direction direction) {
  for (auto c : {col::time_s, col::voltage_V, col::current_A})
    if (!table.has(c))
      throw Error(source, table.meta.format, fmt::format("the table has no {} column: nothing to compare a simulation with", c));
  const auto& t = table.values(col::time_s);
  const auto& V = table.values(col::voltage_V);
  const auto& I = table.values(col::current_A);
  MeasuredExperiment x;
  x.source = source;
  x.voltage = voltage;
  if (voltage == VoltageKind::automatic)
    x.voltage = table.meta.format == "castor-simulation" || table.has(col::counter_voltage_V) ? VoltageKind::electrode : VoltageKind::cell;
  x.notes.push_back(x.voltage == VoltageKind::electrode
                        ? "voltage compared as the working electrode against a reference (a three-electrode or simulated file)"
                        : "voltage compared as the two-electrode cell voltage (working minus counter electrode)");
  const auto steps = cycling::find_steps(table);
  bool any_current = false;
  for (double i : I) any_current = any_current || std::isfinite(i);
  if (!any_current) throw Error(source, table.meta.format, "the current column has no finite value");
  const double rest_A = cycling::auto_rest_threshold(I);  // as find_steps decides rests
  const double* freq = table.has(col::freq_Hz) ? table.values(col::freq_Hz).data() : nullptr;

  std::vector<Piece> pieces;
  std::size_t skipped_impedance = 0, skipped_bad = 0;
  for (const auto& s : steps) {
    // Rows of the step with finite time, voltage and current, outside impedance records.
    std::size_t b = s.begin, e = s.end;
    bool impedance = s.kind == StepKind::impedance;
    if (freq)
      for (std::size_t k = b; k < e && !impedance; ++k) impedance = std::isfinite(freq[k]) && freq[k] > 0;
    if (impedance) {
      skipped_impedance += e - b;
      continue;
    }
    bool finite = true;
    for (std::size_t k = b; k < e; ++k) finite = finite && std::isfinite(t[k]) && std::isfinite(V[k]) && std::isfinite(I[k]);
    if (!finite) {
      skipped_bad += e - b;
      continue;
    }
    const int file_step = std::isfinite(s.file_step) ? static_cast<int>(s.file_step) : s.index + 1;
    const std::size_t before = pieces.size();
    classify(t, V, I, b, e, rest_A, s.kind == StepKind::sweep, 0, pieces, x.notes, file_step);
    if (direction != Direction::none) {
      // Only the steps of one direction: the others (and rests) are left out.
      std::vector<Piece> kept(pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(before));
      for (std::size_t k = before; k < pieces.size(); ++k) {
        const bool charge = pieces[k].type == sim::StepType::charge, discharge = pieces[k].type == sim::StepType::discharge;
        if ((direction == Direction::charge && charge) || (direction == Direction::discharge && discharge)) kept.push_back(pieces[k]);
      }
      pieces = std::move(kept);
    }
  }
  if (direction != Direction::none)
    x.notes.push_back(
        fmt::format("only the {} steps are fitted; the simulation starts each from where the one before left the "
                    "model (the first from the parameter file's initial filling)",
                    to_string(direction)));
  if (pieces.empty()) throw Error(source, table.meta.format, "no step of the file is one the simulator can reproduce");
  if (skipped_impedance)
    x.notes.push_back(fmt::format("{} impedance rows left out of the time-domain comparison (their time is a rest)", skipped_impedance));
  if (skipped_bad) x.notes.push_back(fmt::format("{} rows of steps with missing time, voltage or current left out", skipped_bad));

  const double t0 = t[pieces.front().begin];
  double v_lo = V[pieces.front().begin], v_hi = v_lo;
  for (const auto& p : pieces)
    for (std::size_t k = p.begin; k < p.end; ++k) v_lo = std::min(v_lo, V[k]), v_hi = std::max(v_hi, V[k]);
  for (std::size_t n = 0; n < pieces.size(); ++n) {
    const auto& p = pieces[n];
    // The step lasts until the next one starts (rows it does not hold, e.g. impedance, are
    // time at rest or at its setting); the last one until its last row.
    const double start = t[p.begin];
    const bool contiguous = n + 1 < pieces.size() && pieces[n + 1].begin == p.end;
    const double stop = contiguous ? t[pieces[n + 1].begin] : t[p.end - 1];
    const double duration = stop - start;
    if (!(duration > 0) && contiguous) continue;  // a one-row piece: its row belongs to no step
    sim::ProtocolStep st;
    st.type = p.type;
    st.duration_s = std::max(duration, 1e-9);
    switch (p.type) {
      case sim::StepType::charge:
      case sim::StepType::discharge:
        st.current = sim::Amount{p.current_A, "A"};
        // A safety limit 0.3 V beyond what the file reached: a model that cannot take the
        // current to the end (its cathode full) ends the step there instead of failing.
        st.until_voltage_V = p.type == sim::StepType::charge ? v_hi + 0.3 : v_lo - 0.3;
        st.limit_on_cell_voltage = x.voltage == VoltageKind::cell;
        st.text = fmt::format("{} at {:.6g} A for {:.6g} s or until {:.4g} V (rows {}-{})",
                              p.type == sim::StepType::charge ? "Charge" : "Discharge", p.current_A, *st.duration_s, *st.until_voltage_V,
                              p.begin, p.end - 1);
        break;
      case sim::StepType::rest:
        st.text = fmt::format("Rest for {:.6g} s (rows {}-{})", *st.duration_s, p.begin, p.end - 1);
        break;
      case sim::StepType::hold:
        st.voltage_V = p.voltage_V;
        st.text = fmt::format("Hold at {:.6g} V for {:.6g} s (rows {}-{})", p.voltage_V, *st.duration_s, p.begin, p.end - 1);
        break;
      case sim::StepType::sweep:
        st.voltage_V = p.voltage_V, st.sweep_to_V = p.to_V, st.sweep_rate_V_s = p.rate_V_s;
        st.duration_s.reset();
        st.text =
            fmt::format("Sweep from {:.6g} V to {:.6g} V at {:.6g} V/s (rows {}-{})", p.voltage_V, p.to_V, p.rate_V_s, p.begin, p.end - 1);
        break;
      case sim::StepType::impedance:
        break;
    }
    const std::size_t index = x.protocol.size();
    x.protocol.push_back(std::move(st));
    const bool potentiostatic = p.type == sim::StepType::hold || p.type == sim::StepType::sweep;
    for (std::size_t k = p.begin; k < p.end; ++k) {
      x.time_s.push_back(t[k] - t0);
      x.step.push_back(index);
      x.is_current.push_back(potentiostatic);
      x.value.push_back(potentiostatic ? I[k] : V[k]);
    }
  }
  // Noise: voltage and current separately, from their own rows.
  std::vector<double> v, i;
  std::vector<std::size_t> rv, ri;
  for (std::size_t k = 0; k < x.value.size(); ++k)
    (x.is_current[k] ? i : v).push_back(x.value[k]), (x.is_current[k] ? ri : rv).push_back(x.step[k]);
  x.noise_V = second_difference_noise(v, rv);
  x.noise_A = second_difference_noise(i, ri);
  if (!v.empty()) {
    const double floor_V = 1e-5;  // 10 uV: below any cycler's resolution
    if (!(x.noise_V >= floor_V)) {
      x.notes.push_back(fmt::format("voltage noise {:.3g} V from the data is below 10 uV; 10 uV used", x.noise_V));
      x.noise_V = floor_V;
    }
  }
  if (!i.empty()) {
    double i_max = 0;
    for (double c : i) i_max = std::max(i_max, std::fabs(c));
    // 1e-4 of the largest current: a potentiostat's resolution in its range, and about
    // the simulator's own accuracy on a sweep's current at its default tolerance.
    const double floor_A = std::max(1e-12, 1e-4 * i_max);
    if (!(x.noise_A >= floor_A)) {
      x.notes.push_back(
          fmt::format("current noise {:.3g} A from the data is below 1e-4 of its largest value; {:.3g} A used", x.noise_A, floor_A));
      x.noise_A = floor_A;
    }
  }
  return x;
}

MeasuredExperiment experiment_from_spectrum(const eis::Spectrum& spectrum, std::vector<sim::ProtocolStep> before) {
  if (spectrum.size() < 3) throw Error(spectrum.source, "impedance", "a spectrum of fewer than 3 points cannot be fitted");
  MeasuredExperiment x;
  x.source = spectrum.source;
  x.protocol = std::move(before);
  for (const auto& s : x.protocol)
    if (s.type == sim::StepType::impedance)
      throw Error(spectrum.source, "impedance", fmt::format("the protocol before the spectrum has an impedance step ('{}')", s.text));
  sim::ProtocolStep z;
  z.type = sim::StepType::impedance;
  z.frequencies_Hz = spectrum.freq_Hz;
  z.amplitude_V = 0.005;
  z.text = fmt::format("Impedance at the {} frequencies of {}", spectrum.size(), spectrum.source);
  x.protocol.push_back(std::move(z));
  x.freq_Hz = spectrum.freq_Hz;
  x.z_ohm = spectrum.z_ohm;
  for (std::size_t k = 0; k < x.freq_Hz.size(); ++k)
    if (!(x.freq_Hz[k] > 0) || !std::isfinite(x.z_ohm[k].real()) || !std::isfinite(x.z_ohm[k].imag()))
      throw Error(spectrum.source, "impedance", fmt::format("point {} is not a finite impedance at a positive frequency", k + 1));
  // Noise relative to |Z| from the Kramers-Kronig (Lin-KK) residuals: what no causal,
  // linear, stable system explains.
  eis::LinKKOptions o;
  o.fit = eis::KkFit::complex;
  o.add_capacitance = eis::low_frequency_capacitive(spectrum);
  o.choose_M = eis::LinKKOptions::MChoice::residual;
  double rms = NAN;
  std::string kk_failure;
  try {
    const auto kk = eis::lin_kk(spectrum, o);
    double s = 0;
    for (std::size_t k = 0; k < kk.residual_re.size(); ++k)
      s += kk.residual_re[k] * kk.residual_re[k] + kk.residual_im[k] * kk.residual_im[k];
    rms = std::sqrt(s / (2.0 * static_cast<double>(kk.residual_re.size())));
  } catch (const Error& e) {
    kk_failure = e.reason();
  }
  const double floor = 1e-4;
  x.noise_relative_z = std::isfinite(rms) ? std::max(rms, floor) : 0.01;
  x.notes.push_back(std::isfinite(rms) ? fmt::format("impedance noise {:.3g} of |Z| from the Lin-KK residuals{}", x.noise_relative_z,
                                                     rms < floor ? " (floor 1e-4)" : "")
                                       : "impedance noise: Lin-KK failed (" + kk_failure + "), 1 % of |Z| assumed");
  for (const auto& w : spectrum.warnings) x.notes.push_back("reader: " + w);
  return x;
}

std::pair<int, int> parse_cycle_range(const std::string& text) {
  const auto dash = text.find('-', 1);
  const double a = parse_number(text.substr(0, dash), "--cycles");
  const double b = dash == std::string::npos ? a : parse_number(text.substr(dash + 1), "--cycles");
  if (a != std::floor(a) || b != std::floor(b) || a < 0 || b < a || b > 1e9)
    throw Error(fmt::format("--cycles '{}': write N or N-M with whole numbers, N <= M", text));
  return {static_cast<int>(a), static_cast<int>(b)};
}

std::vector<MeasuredExperiment> load_experiments(const std::string& path, const LoadOptions& lo) {
  const auto& protocol = lo.protocol;
  const auto voltage = lo.voltage;
  std::optional<Table> table;
  std::optional<Error> table_error;
  try {
    table = io::read_table(path);
  } catch (const Error& e) {
    table_error = e;
  }
  bool time_domain = false;
  if (table && table->has(col::current_A) && table->has(col::time_s)) {
    const auto& I = table->values(col::current_A);
    const double* freq = table->has(col::freq_Hz) ? table->values(col::freq_Hz).data() : nullptr;
    for (std::size_t k = 0; k < I.size() && !time_domain; ++k)
      time_domain = std::isfinite(I[k]) && I[k] != 0 && !(freq && std::isfinite(freq[k]) && freq[k] > 0);
  }
  if (time_domain) {
    if (protocol) throw Error(path, table->meta.format, "--protocol is for impedance files: this file's own steps are its protocol");
    std::string source = path;
    if (lo.cycles) {
      if (!table->has(col::cycle)) throw Error(path, table->meta.format, "--cycles: the file has no cycle column");
      const auto& c = table->values(col::cycle);
      std::size_t b = c.size(), e = 0;
      for (std::size_t k = 0; k < c.size(); ++k)
        if (c[k] >= lo.cycles->first && c[k] <= lo.cycles->second) b = std::min(b, k), e = k + 1;
      if (b >= e)
        throw Error(path, table->meta.format,
                    fmt::format("--cycles {}-{}: no row of the file is in them", lo.cycles->first, lo.cycles->second));
      *table = table->slice(b, e);
      source += fmt::format(" (cycles {}-{}, rows {}-{})", lo.cycles->first, lo.cycles->second, b, e - 1);
    }
    auto x = experiment_from_table(*table, source, voltage, lo.direction);
    for (const auto& w : table->meta.warnings) x.notes.push_back("reader: " + w);
    return {std::move(x)};
  }
  // castor's impedance readers know every impedance format (and castor's own f, Z', Z''
  // files); the common table's impedance columns are the fallback.
  std::vector<eis::Spectrum> spectra;
  try {
    spectra = eis::read_impedance(path);
  } catch (const Error& e) {
    if (!table) throw table_error ? *table_error : e;
    try {
      spectra = eis::spectra_from_table(*table);
    } catch (const Error&) {
      throw Error(path, table->meta.format, "neither time-domain rows (time, voltage, current) nor an impedance spectrum to fit");
    }
  }
  const auto before = protocol ? sim::parse_protocol(*protocol) : std::vector<sim::ProtocolStep>{};
  std::vector<MeasuredExperiment> out;
  for (auto& s : spectra) {
    if (s.source.empty()) s.source = path;
    out.push_back(experiment_from_spectrum(s, before));
  }
  if (out.empty()) throw Error(path, "", "no impedance spectrum and no time-domain rows to fit");
  return out;
}

}  // namespace castor::fit
