#include "castor/io/detail/biologic_columns.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "castor/core/columns.h"
#include "castor/core/step_kind.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr std::array<BiologicFlag, 6> kFlags{{
    {1, 0x03, "mode"},
    {2, 0x04, "ox/red"},
    {3, 0x08, "error"},
    {21, 0x10, "control changes"},
    {31, 0x20, "Ns changes"},
    {65, 0x80, "counter inc."},
}};

// Sorted by ID.
constexpr BiologicColumnType kColumns[] = {
    {4, 'd', "time/s"},
    {5, 'f', "control/V/mA"},
    {6, 'f', "Ewe/V"},
    {7, 'd', "dq/mA.h"},
    {8, 'f', "I/mA"},
    {9, 'f', "Ece/V"},
    {11, 'd', "<I>/mA"},
    {13, 'd', "(Q-Qo)/mA.h"},
    {14, 'f', "x"},
    {16, 'f', "Analog IN 1/V"},
    {17, 'f', "Analog IN 2/V"},
    {18, 'f', "Analog IN 3/V"},
    {19, 'f', "control/V"},
    {20, 'f', "control/mA"},
    {23, 'd', "dQ/mA.h"},
    {24, 'd', "cycle number"},
    {26, 'f', "Rapp/Ohm"},
    {27, 'f', "Ewe-Ece/V"},
    {32, 'f', "freq/Hz"},
    {33, 'f', "|Ewe|/V"},
    {34, 'f', "|I|/A"},
    {35, 'f', "Phase(Z)/deg"},
    {36, 'f', "|Z|/Ohm"},
    {37, 'f', "Re(Z)/Ohm"},
    {38, 'f', "-Im(Z)/Ohm"},
    {39, 'H', "I Range"},
    {69, 'f', "R/Ohm"},
    {70, 'f', "P/W"},
    {74, 'd', "|Energy|/W.h"},
    {75, 'f', "Analog OUT/V"},
    {76, 'f', "<I>/mA"},
    {77, 'f', "<Ewe>/V"},
    {78, 'f', "Cs-2/µF-2"},
    {96, 'f', "|Ece|/V"},
    {98, 'f', "Phase(Zce)/deg"},
    {99, 'f', "|Zce|/Ohm"},
    {100, 'f', "Re(Zce)/Ohm"},
    {101, 'f', "-Im(Zce)/Ohm"},
    {123, 'd', "Energy charge/W.h"},
    {124, 'd', "Energy discharge/W.h"},
    {125, 'd', "Capacitance charge/µF"},
    {126, 'd', "Capacitance discharge/µF"},
    {131, 'H', "Ns"},
    {163, 'f', "|Estack|/V"},
    {168, 'f', "Rcmp/Ohm"},
    {169, 'f', "Cs/µF"},
    {172, 'f', "Cp/µF"},
    {173, 'f', "Cp-2/µF-2"},
    {174, 'f', "<Ewe>/V"},
    {182, 'd', "step time/s"},
    {241, 'f', "|E1|/V"},
    {242, 'f', "|E2|/V"},
    {271, 'f', "Phase(Z1)/deg"},
    {272, 'f', "Phase(Z2)/deg"},
    {301, 'f', "|Z1|/Ohm"},
    {302, 'f', "|Z2|/Ohm"},
    {331, 'f', "Re(Z1)/Ohm"},
    {332, 'f', "Re(Z2)/Ohm"},
    {361, 'f', "-Im(Z1)/Ohm"},
    {362, 'f', "-Im(Z2)/Ohm"},
    {391, 'f', "<E1>/V"},
    {392, 'f', "<E2>/V"},
    {422, 'f', "Phase(Zstack)/deg"},
    {423, 'f', "|Zstack|/Ohm"},
    {424, 'f', "Re(Zstack)/Ohm"},
    {425, 'f', "-Im(Zstack)/Ohm"},
    {426, 'f', "<Estack>/V"},
    {430, 'f', "Phase(Zwe-ce)/deg"},
    {431, 'f', "|Zwe-ce|/Ohm"},
    {432, 'f', "Re(Zwe-ce)/Ohm"},
    {433, 'f', "-Im(Zwe-ce)/Ohm"},
    {434, 'f', "(Q-Qo)/C"},
    {435, 'f', "dQ/C"},
    {441, 'f', "<Ece>/V"},
    {462, 'f', "Temperature/°C"},
    {467, 'd', "Q charge/discharge/mA.h"},
    {468, 'I', "half cycle"},
    {469, 'I', "z cycle"},
    {471, 'f', "<Ece>/V"},
    {473, 'f', "THD Ewe/%"},
    {474, 'f', "THD I/%"},
    {475, 'f', "THD Ece/%"},
    {476, 'f', "NSD Ewe/%"},
    {477, 'f', "NSD I/%"},
    {478, 'f', "NSD Ece/%"},
    {479, 'f', "NSR Ewe/%"},
    {480, 'f', "NSR I/%"},
    {481, 'f', "NSR Ece/%"},
    {486, 'f', "|Ewe h2|/V"},
    {487, 'f', "|Ewe h3|/V"},
    {488, 'f', "|Ewe h4|/V"},
    {489, 'f', "|Ewe h5|/V"},
    {490, 'f', "|Ewe h6|/V"},
    {491, 'f', "|Ewe h7|/V"},
    {492, 'f', "|I h2|/A"},
    {493, 'f', "|I h3|/A"},
    {494, 'f', "|I h4|/A"},
    {495, 'f', "|I h5|/A"},
    {496, 'f', "|I h6|/A"},
    {497, 'f', "|I h7|/A"},
    {498, 'f', "|Ece h2|/V"},
    {499, 'f', "|Ece h3|/V"},
    {500, 'f', "|Ece h4|/V"},
    {501, 'f', "|Ece h5|/V"},
    {502, 'f', "|Ece h6|/V"},
    {503, 'f', "|Ece h7|/V"},
};

const Column* first_of(const Table& t, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (const Column* c = t.find(n)) return c;
  return nullptr;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const BiologicColumnType* find_biologic_column(std::uint16_t id) {
  auto it =
      std::lower_bound(std::begin(kColumns), std::end(kColumns), id, [](const BiologicColumnType& c, std::uint16_t v) { return c.id < v; });
  return (it != std::end(kColumns) && it->id == id) ? &*it : nullptr;
}

const BiologicFlag* find_biologic_flag(std::uint16_t id) {
  for (const auto& f : kFlags)
    if (f.id == id) return &f;
  return nullptr;
}

std::size_t type_width(char type) {
  switch (type) {
    case 'B':
      return 1;
    case 'H':
      return 2;
    case 'I':
    case 'f':
      return 4;
    case 'd':
      return 8;
    default:
      return 0;
  }
}

void add_biologic_common_columns(Table& t) {
  const std::size_t n = t.rows();
  auto copy_as = [&](std::string_view name, std::string_view unit, const Column* src, double scale) {
    if (scale == 1.0) {  // the raw column's storage, shared (fresh memory costs its first write)
      t.add(name, unit, src->name, ColumnRole::Common, src->values);
      return;
    }
    std::vector<double> v;
    v.reserve(src->values.size());
    for (double x : src->values) v.push_back(x * scale);
    t.add(name, unit, src->name, ColumnRole::Common, std::move(v));
  };
  if (const Column* c = t.find("time/s")) copy_as(col::time_s, "s", c, 1.0);
  if (const Column* c = first_of(t, {"Ewe/V", "Ecell/V", "<Ewe>/V", "<Ewe/V>", "<Ecell>/V", "Ewe-Ece/V"}))
    copy_as(col::voltage_V, "V", c, 1.0);
  if (const Column* c = first_of(t, {"I/mA", "<I>/mA"})) {
    copy_as(col::current_A, "A", c, 1e-3);
  } else if (const Column* c2 = first_of(t, {"I/A", "<I>/A"})) {
    copy_as(col::current_A, "A", c2, 1.0);
  } else if (const Column* dq = first_of(t, {"dq/mA.h", "dQ/mA.h"}); dq && t.has("time/s")) {
    // Some GCPL files store only the charge increment; the current is dq/dt (as navani).
    const auto& time = t.values("time/s");
    std::vector<double> current(n, kNaN);
    for (std::size_t i = 1; i < n; ++i) {
      const double dt = time[i] - time[i - 1];
      current[i] = dt > 0 ? dq->values[i] * 3.6 / dt : 0.0;  // mAh/s -> A: x 3.6
    }
    if (n > 0) current[0] = dq->values[0] == 0.0 ? 0.0 : kNaN;
    t.add(col::current_A, "A", dq->name, ColumnRole::Common, std::move(current));
  }
  if (const Column* c = first_of(t, {"Ece/V", "<Ece>/V"})) copy_as(col::counter_voltage_V, "V", c, 1.0);
  for (const auto& c : t.columns()) {
    // "Temperature/°C" and "T/°C", whatever encoding mangled the degree sign.
    if ((c.name.starts_with("Temperature/") || c.name.starts_with("T/")) && c.name.ends_with("C")) {
      const Column src = c;  // copy: add() may reallocate the column vector
      copy_as(col::temperature_C, "°C", &src, 1.0);
      break;
    }
  }
  if (const Column* c = t.find("step time/s")) copy_as(col::step_time_s, "s", c, 1.0);
  // Capacity and energy: EC-Lab's per-direction counters (they restart each half cycle), or
  // the signed one split by its sign; (Q-Qo) is the net charge since the start.
  if (const Column* c = t.find("Q charge/mA.h")) copy_as(col::charge_capacity_mAh, "mAh", c, 1.0);
  if (const Column* c = t.find("Q discharge/mA.h")) copy_as(col::discharge_capacity_mAh, "mAh", c, 1.0);
  if (const Column* c = t.find("Q charge/discharge/mA.h"); c && !t.has(col::charge_capacity_mAh)) {
    std::vector<double> chg, dis;
    chg.reserve(n), dis.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double q = c->values[i];
      chg.push_back(std::isnan(q) ? q : std::max(q, 0.0));
      dis.push_back(std::isnan(q) ? q : std::max(-q, 0.0));
    }
    const std::string src = c->name;
    t.add(col::charge_capacity_mAh, "mAh", src + " (> 0)", ColumnRole::Common, std::move(chg));
    t.add(col::discharge_capacity_mAh, "mAh", src + " (< 0, negated)", ColumnRole::Common, std::move(dis));
  }
  if (const Column* c = t.find("Energy charge/W.h")) copy_as(col::charge_energy_mWh, "mWh", c, 1e3);
  if (const Column* c = t.find("Energy discharge/W.h")) copy_as(col::discharge_energy_mWh, "mWh", c, 1e3);
  if (const Column* c = t.find("(Q-Qo)/mA.h"))
    copy_as(col::charge_passed_mAh, "mAh", c, 1.0);
  else if (const Column* c2 = t.find("(Q-Qo)/C"))
    copy_as(col::charge_passed_mAh, "mAh", c2, 1.0 / 3.6);
  if (const Column* c = t.find("freq/Hz")) copy_as(col::freq_Hz, "Hz", c, 1.0);
  if (const Column* c = t.find("Re(Z)/Ohm")) copy_as(col::z_re_ohm, "Ohm", c, 1.0);
  if (const Column* c = t.find("-Im(Z)/Ohm")) copy_as(col::z_neg_im_ohm, "Ohm", c, 1.0);
  if (const Column* c = t.find("Ns")) copy_as(col::step, "", c, 1.0);
  if (const Column* c = t.find("cycle number")) {
    copy_as(col::cycle, "", c, 1.0);
  } else if (const Column* h = t.find("half cycle")) {
    // EC-Lab's cycle number is the half-cycle counter divided by two.
    std::vector<double> cyc;
    cyc.reserve(n);
    for (std::size_t i = 0; i < n; ++i) cyc.push_back(std::floor(h->values[i] / 2.0));
    t.add(col::cycle, "", h->name, ColumnRole::Common, std::move(cyc));
  }

  // Step kind: EC-Lab's mode flag is 1 galvanostatic, 2 potentiostatic, 3 rest; an
  // impedance row has a frequency; CV and LSV techniques are sweeps.
  const Column* mode = t.find("mode");
  const Column* freq = t.find("freq/Hz");
  const Column* current = t.find(col::current_A);
  const std::string tech = to_lower(t.meta.technique);
  const bool sweep_technique = tech.find("voltammetry") != std::string::npos || tech == "cv" || tech == "lsv";
  if (!mode && !freq && !sweep_technique) return;
  std::vector<double> kind;
  kind.reserve(n);
  const double* I_A = current ? current->values.data() : nullptr;
  const double* f_Hz = freq ? freq->values.data() : nullptr;
  const double* modes = mode ? mode->values.data() : nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    StepKind k = StepKind::unknown;
    const double I = I_A ? I_A[i] : kNaN;
    if (f_Hz && f_Hz[i] > 0) {
      k = StepKind::impedance;
    } else if (sweep_technique) {
      k = StepKind::sweep;
    } else if (modes) {
      const double m = modes[i];  // compared as read: a NaN or 1e300 is no mode
      if (m == 3)
        k = StepKind::rest;
      else if (m == 1)
        k = I > 0 ? StepKind::cc_charge : I < 0 ? StepKind::cc_discharge : StepKind::rest;
      else if (m == 2)
        k = I > 0 ? StepKind::cv_charge : I < 0 ? StepKind::cv_discharge : StepKind::rest;
    }
    kind.push_back(static_cast<double>(k));
  }
  t.add(col::step_kind, "", "mode", ColumnRole::Common, std::move(kind));
}

}  // namespace castor::io

namespace castor::io {

void blank_quality_indicators_above_100kHz(Table& t) {
  const Column* freq = t.find("freq/Hz");
  if (!freq) return;
  const std::vector<double> f = freq->values;
  for (auto& c : t.columns()) {
    const bool indicator = c.name.starts_with("THD ") || c.name.starts_with("NSD ") || c.name.starts_with("NSR ") ||
                           c.name.starts_with("|Ewe h") || c.name.starts_with("|I h") || c.name.starts_with("|Ece h");
    if (!indicator) continue;
    for (std::size_t i = 0; i < f.size(); ++i)
      if (f[i] > 1e5) c.values[i] = std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace castor::io
