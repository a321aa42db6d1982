// Impedance figures: Nyquist and Bode with a model curve, Lin-KK residuals, DRT.
#pragma once

#include <complex>
#include <string>
#include <vector>

#include "castor/eis/drt.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/spectrum.h"
#include "castor/report/gnuplot.h"

namespace castor::eis {

// Nyquist (-Z'' against Z', equal axes) and Bode (|Z| and phase against f) of the data,
// with the model's impedance at `model_freq_Hz` when given.
std::vector<report::Figure> nyquist_bode(const Spectrum& data, const std::vector<double>& model_freq_Hz,
                                         const std::vector<std::complex<double>>& model_z, const std::string& model_title);
report::Figure kk_residual_figure(const Spectrum& data, const LinKKResult& kk);
report::Figure drt_figure(const DrtResult& drt, const std::string& title);

}  // namespace castor::eis
