#include "castor/cycling/capacity.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cycling {

ActiveMass ActiveMass::given_mg(double mg) {
  if (!(mg > 0) || !std::isfinite(mg)) throw Error(fmt::format("active mass must be positive, got {} mg", mg));
  return {mg * 1e-3, fmt::format("{:g} mg given", mg)};
}

ActiveMass ActiveMass::from_loading(double loading, double area) {
  if (!(loading > 0) || !(area > 0) || !std::isfinite(loading * area))
    throw Error(fmt::format("loading ({} mg/cm2) and area ({} cm2) must be positive", loading, area));
  return {loading * area * 1e-3, fmt::format("{:g} mg/cm2 x {:g} cm2", loading, area)};
}

ActiveMass ActiveMass::from_electrode(double electrode_mg, const std::vector<double>& fractions) {
  if (!(electrode_mg > 0)) throw Error(fmt::format("electrode mass must be positive, got {} mg", electrode_mg));
  double f = 1;
  std::string how = fmt::format("{:g} mg electrode", electrode_mg);
  for (double x : fractions) {
    if (!(x > 0 && x <= 1)) throw Error(fmt::format("mass fraction {} is not in (0, 1]", x));
    f *= x;
    how += fmt::format(" x {:g}", x);
  }
  return {electrode_mg * f * 1e-3, how};
}

std::vector<double> running_capacity_mAh(const Table& t, const Step& s) {
  const auto& time = t.values(col::time_s);
  const auto& current = t.values(col::current_A);
  std::vector<double> q(s.rows(), 0.0);
  for (std::size_t i = s.begin + 1; i < s.end; ++i) {
    const double dt = time[i] - time[i - 1];
    double dq = 0.5 * (std::fabs(current[i]) + std::fabs(current[i - 1])) * dt / 3.6;
    if (!std::isfinite(dq)) dq = 0;
    q[i - s.begin] = q[i - 1 - s.begin] + dq;
  }
  return q;
}

StepCharge step_charge(const Table& t, const Step& s, std::string_view voltage_column) {
  const auto& time = t.values(col::time_s);
  const auto& current = t.values(col::current_A);
  const auto& v = t.values(voltage_column);
  StepCharge out;
  double vq = 0;
  for (std::size_t i = s.begin + 1; i < s.end; ++i) {
    const double dt = time[i] - time[i - 1];
    const double dq = 0.5 * (std::fabs(current[i]) + std::fabs(current[i - 1])) * dt / 3.6;
    const double vm = 0.5 * (v[i] + v[i - 1]);
    if (!std::isfinite(dq) || !std::isfinite(vm)) continue;
    out.capacity_mAh += dq;
    vq += vm * dq;
  }
  out.energy_mWh = vq;
  out.average_voltage_V = out.capacity_mAh > 0 ? vq / out.capacity_mAh : std::numeric_limits<double>::quiet_NaN();
  out.start_voltage_V = v[s.begin];
  out.end_voltage_V = v[s.end - 1];
  return out;
}

double voltage_at_soc(const std::vector<double>& q, const std::vector<double>& v, double soc) {
  if (q.empty() || !(q.back() > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double target = soc * q.back();
  for (std::size_t i = 1; i < q.size(); ++i) {
    if (q[i] >= target) {
      const double dq = q[i] - q[i - 1];
      const double f = dq > 0 ? (target - q[i - 1]) / dq : 1.0;
      return v[i - 1] + f * (v[i] - v[i - 1]);
    }
  }
  return v.back();
}

}  // namespace castor::cycling
