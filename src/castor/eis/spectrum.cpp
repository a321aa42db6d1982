#include "castor/eis/spectrum.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::eis {

std::vector<Spectrum> spectra_from_table(const Table& t) {
  const Column* f = t.find(col::freq_Hz);
  const Column* re = t.find(col::z_re_ohm);
  const Column* im = t.find(col::z_neg_im_ohm);
  if (!f || !re || !im)
    throw Error(t.meta.source_file, t.meta.format,
                fmt::format("no impedance data: {} not found", !f    ? "frequency column (freq/Hz)"
                                                               : !re ? "Re(Z) column"
                                                                     : "-Im(Z) column"));
  std::vector<Spectrum> out;
  bool open = false;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const bool ok = f->values[i] > 0 && std::isfinite(re->values[i]) && std::isfinite(im->values[i]);
    if (!ok) {
      open = false;
      continue;
    }
    // A new spectrum also starts when the frequency jumps back up (a new sweep).
    if (open && !out.back().freq_Hz.empty()) {
      const double prev = out.back().freq_Hz.back();
      const bool descending = out.back().size() < 2 || out.back().freq_Hz[0] > out.back().freq_Hz[1];
      if ((descending && f->values[i] > prev * 1.5) || (!descending && f->values[i] < prev / 1.5)) open = false;
    }
    if (!open) {
      out.push_back({});
      out.back().source = fmt::format("{} spectrum {}", t.meta.source_file, out.size());
      out.back().warnings = t.meta.warnings;
      for (const auto& n : t.meta.not_read) out.back().warnings.push_back("not read: " + n);
      open = true;
    }
    out.back().freq_Hz.push_back(f->values[i]);
    out.back().z_ohm.emplace_back(re->values[i], -im->values[i]);
  }
  if (out.empty()) throw Error(t.meta.source_file, t.meta.format, "no impedance rows (frequency > 0) in the file");
  if (out.size() == 1) out[0].source = t.meta.source_file;
  return out;
}

Spectrum keep_capacitive(const Spectrum& s) {
  Spectrum o;
  o.source = s.source;
  o.warnings = s.warnings;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.z_ohm[i].imag() < 0) o.freq_Hz.push_back(s.freq_Hz[i]), o.z_ohm.push_back(s.z_ohm[i]);
  return o;
}

Spectrum keep_frequencies(const Spectrum& s, double lo, double hi) {
  Spectrum o;
  o.source = s.source;
  o.warnings = s.warnings;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.freq_Hz[i] >= lo && s.freq_Hz[i] <= hi) o.freq_Hz.push_back(s.freq_Hz[i]), o.z_ohm.push_back(s.z_ohm[i]);
  return o;
}

void write_spectrum_csv(const Spectrum& s, std::ostream& out) {
  out << "freq_Hz,z_re_ohm,z_im_ohm\n";
  for (std::size_t i = 0; i < s.freq_Hz.size(); ++i)
    out << fmt::format("{:.10g},{:.10g},{:.10g}\n", s.freq_Hz[i], s.z_ohm[i].real(), s.z_ohm[i].imag());
}

}  // namespace castor::eis
