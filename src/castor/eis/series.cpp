#include "castor/eis/series.h"

#include <ostream>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::eis {

std::vector<FitResult> fit_series(const Circuit& c, const std::vector<Spectrum>& spectra, const SeriesOptions& o) {
  if (spectra.empty()) throw Error("series fit: no spectra");
  std::vector<FitResult> out;
  FitOptions fo = o.fit;
  for (std::size_t k = 0; k < spectra.size(); ++k) {
    const Spectrum s = keep_frequencies(spectra[k], o.f_min_Hz, o.f_max_Hz);
    if (k > 0) {
      fo.initial = out.back().values;
      fo.starts = std::max(1, o.follow_starts);
      for (std::size_t p = 0; p < fo.initial.size(); ++p)
        if (out.back().fixed[p]) fo.initial[p] = out.back().values[p];
    }
    try {
      FitResult r = fit_circuit(c, s, fo);
      // When following the previous result lands in a clearly worse fit (a feature moved
      // more than a local search can follow), search afresh and keep the better one.
      if (k > 0) {
        const double per_point = r.pseudo_chi_square / static_cast<double>(s.size());
        const double before = out.back().pseudo_chi_square / static_cast<double>(out.back().freq_Hz.size());
        if (per_point > 2 * before && per_point > 1e-4) {
          FitOptions fresh = o.fit;
          FitResult g = fit_circuit(c, s, fresh);
          if (g.chi_square < r.chi_square) r = std::move(g);
        }
      }
      out.push_back(std::move(r));
    } catch (const Error& e) {
      throw Error(fmt::format("series fit, spectrum {} of {} ({}): {}", k + 1, spectra.size(), spectra[k].source, e.what()));
    }
  }
  return out;
}

void write_series_csv(const std::vector<FitResult>& fits, const std::vector<Spectrum>& spectra, std::ostream& out) {
  if (fits.empty()) return;
  out << "spectrum,source,points";
  for (std::size_t p = 0; p < fits[0].names.size(); ++p)
    out << fmt::format(",{} ({}),{} error", fits[0].names[p], fits[0].units[p], fits[0].names[p]);
  out << ",chi_square,reduced_chi_square,pseudo_chi_square,status\n";
  for (std::size_t k = 0; k < fits.size(); ++k) {
    out << fmt::format("{},\"{}\",{}", k + 1, k < spectra.size() ? spectra[k].source : "", fits[k].freq_Hz.size());
    for (std::size_t p = 0; p < fits[k].values.size(); ++p) out << fmt::format(",{:.8g},{:.3g}", fits[k].values[p], fits[k].std_errors[p]);
    std::string status = fits[k].status();
    for (char& ch : status)
      if (ch == '"') ch = '\'';
    out << fmt::format(",{:.6g},{:.6g},{:.6g},\"{}\"\n", fits[k].chi_square, fits[k].reduced_chi_square, fits[k].pseudo_chi_square, status);
  }
}

}  // namespace castor::eis
