// Impedance results as data (report::Report) with the choices that used to live in the
// command line: castor's default Kramers-Kronig check, the DRT's lambda, the fit's figure
// with its confidence band and the fit's established JSON and CSV.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "castor/eis/circuit.h"
#include "castor/eis/drt.h"
#include "castor/eis/fit.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/spectrum.h"
#include "castor/report/gnuplot.h"
#include "castor/report/report.h"

namespace castor::eis {

// A fit's undetermined parameters ("R1 not determined by the data: ...") and its warnings.
std::vector<std::string> fit_warnings(const FitResult& fit);

// Parameters (value, std error, relative %, unit, NOT DETERMINED with the reason), the
// fit's statistics and status, the points (table "points": f, Z, Z_fit, residual; CSV),
// and fit_warnings. `elapsed_ms` (NaN: not shown) is the fit's wall time.
report::Report to_report(const FitResult& fit, const Spectrum& spectrum, const FitOptions& options, double elapsed_ms);
// The fit as JSON in the form castor has written since its first EIS release (parameters
// with bounds, correlation, points, converged = optimizer converged and determined).
void write_fit_json(const FitResult& fit, const Spectrum& spectrum, const FitOptions& options, std::ostream& out);
// Nyquist and Bode with the fit and its 95 % confidence band; the spectrum's and fit's warnings.
std::vector<report::Figure> fit_figures(const Circuit& circuit, const Spectrum& spectrum, const FitResult& fit);

// A Kramers-Kronig check: castor's default (no setting given: complex fit, a series C when
// the low-frequency end is capacitive, the verdict of the other settings beside it) or the
// one setting asked for.
struct KkRequest {
  std::optional<KkFit> fit;  // none: castor's default
  bool add_capacitance = false;
  double mu_cutoff = 0.85;
  int max_M = 50;
};
struct KkCheck {
  LinKKResult result;
  bool castor_default = true;
  KkFit fit = KkFit::complex;
  bool add_capacitance = false;
  double mu_cutoff = 0.85;
  std::string verdict_text;           // the default's verdict over all settings
  std::vector<std::string> failures;  // the spectrum failed (what --strict refuses)
  std::vector<std::string> notes;     // a verdict that depends on the setting
};
KkCheck check_kk(const Spectrum& spectrum, const KkRequest& request = {});
report::Report to_report(const KkCheck& check, const Spectrum& spectrum);
report::Figure kk_figure(const KkCheck& check, const Spectrum& spectrum);

// A DRT at a given lambda or at the L-curve corner.
struct DrtRun {
  DrtResult result;
  double lambda = 0;
  std::string lambda_source;  // "given" or "L-curve corner over 1e-06-1e+00"
};
DrtRun run_drt(const Spectrum& spectrum, const DrtOptions& options, bool auto_lambda);
report::Report to_report(const DrtRun& run, const Spectrum& spectrum);
report::Figure drt_figure(const DrtRun& run, const Spectrum& spectrum);

}  // namespace castor::eis
