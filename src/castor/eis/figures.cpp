#include "castor/eis/figures.h"

#include <filesystem>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace castor::eis {

std::vector<report::Figure> nyquist_bode(const Spectrum& d, const std::vector<double>& mf, const std::vector<std::complex<double>>& mz,
                                         const std::string& mt) {
  report::Figure ny, bode;
  ny.title = "Nyquist - " + std::filesystem::path(d.source).filename().string();
  ny.xlabel = "Z' (Ohm)";
  ny.ylabel = "-Z'' (Ohm)";
  ny.equal_axes = true;
  bode.title = "Bode";
  bode.xlabel = "Frequency (Hz)";
  bode.ylabel = "|Z| (Ohm)";
  bode.y2label = "-phase (deg)";
  bode.log_x = bode.log_y = true;
  report::Series dn{"data", {}, {}, "points pt 7 ps 0.7", false};
  report::Series dm{"|Z| data", {}, {}, "points pt 7 ps 0.7", false};
  report::Series dp{"-phase data", {}, {}, "points pt 6 ps 0.7", true};
  for (std::size_t i = 0; i < d.size(); ++i) {
    dn.x.push_back(d.z_ohm[i].real()), dn.y.push_back(-d.z_ohm[i].imag());
    dm.x.push_back(d.freq_Hz[i]), dm.y.push_back(std::abs(d.z_ohm[i]));
    dp.x.push_back(d.freq_Hz[i]), dp.y.push_back(-std::arg(d.z_ohm[i]) * 180 / std::numbers::pi);
  }
  ny.series.push_back(dn);
  bode.series = {dm, dp};
  if (!mz.empty()) {
    report::Series mn{mt, {}, {}, "lines lw 2", false};
    report::Series mm{"|Z| " + mt, {}, {}, "lines lw 2", false};
    report::Series mp{"-phase " + mt, {}, {}, "lines lw 2 dt 2", true};
    for (std::size_t i = 0; i < mz.size(); ++i) {
      mn.x.push_back(mz[i].real()), mn.y.push_back(-mz[i].imag());
      mm.x.push_back(mf[i]), mm.y.push_back(std::abs(mz[i]));
      mp.x.push_back(mf[i]), mp.y.push_back(-std::arg(mz[i]) * 180 / std::numbers::pi);
    }
    ny.series.push_back(mn);
    bode.series.push_back(mm);
    bode.series.push_back(mp);
  }
  return {ny, bode};
}

report::Figure kk_residual_figure(const Spectrum& d, const LinKKResult& kk) {
  report::Figure f;
  f.title = fmt::format("Lin-KK residuals (M = {}, mu = {:.3f}) - {}", kk.M, kk.mu, std::filesystem::path(d.source).filename().string());
  f.xlabel = "Frequency (Hz)";
  f.ylabel = "(Z - Z_KK) / |Z| (%)";
  f.log_x = true;
  report::Series re{"real", d.freq_Hz, {}, "linespoints pt 7 ps 0.6", false};
  report::Series im{"imaginary", d.freq_Hz, {}, "linespoints pt 6 ps 0.6", false};
  for (std::size_t i = 0; i < d.size(); ++i) re.y.push_back(100 * kk.residual_re[i]), im.y.push_back(100 * kk.residual_im[i]);
  f.series = {re, im};
  return f;
}

report::Figure drt_figure(const DrtResult& r, const std::string& title) {
  report::Figure f;
  f.title = "Distribution of relaxation times - " + title;
  f.xlabel = "tau (s)";
  f.ylabel = "gamma (Ohm)";
  f.log_x = true;
  f.series.push_back({"gamma", r.tau_s, r.gamma_ohm, "lines lw 2", false});
  return f;
}

}  // namespace castor::eis
