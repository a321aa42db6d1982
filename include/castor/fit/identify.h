// Model identification: the simulator's parameters, named by their paths in a parameter
// file, fitted to one or more measured experiments at once (a GITT, a CV, a spectrum, ...)
// with Ceres on bounded, log-scaled parameters; standard errors and correlations from the
// Jacobian, optional profile likelihoods, and a report of what the data do not determine.
//
// Residuals are in each experiment's own terms, divided by its noise (MeasuredExperiment):
// voltage against time in galvanostatic steps and rests, current against time (so against
// potential) in sweeps and holds, Re and Im of Z relative to |Z| in spectra. The
// uncertainties assume that noise; when the fit's reduced chi-square is above 1 (the model
// does not explain the data to their noise) they are scaled up by it, and the result says so.
#pragma once

#include <complex>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "castor/fit/experiment.h"
#include "castor/fit/parameter_file.h"

namespace castor::fit {

struct FitParameter {
  std::string path;                    // e.g. "cathode.k0_A_m2"
  std::optional<double> lower, upper;  // default: start / 100 .. start x 100 (potentials: start -+ 0.3 V)
  std::optional<double> start;         // default: the file's (or its preset's) value
};

// Parses "PATH", "PATH=LO:HI" or "PATH=LO:HI@START". Throws castor::Error naming the text.
FitParameter parse_fit_parameter(const std::string& text);

struct IdentifyOptions {
  std::vector<FitParameter> parameters;
  int starts = 1;  // the start values, then starts - 1 log-uniform draws within the bounds
  unsigned seed = 1;
  int max_iterations = 40;
  bool profiles = false;  // profile likelihoods (95 %) for each parameter
  double simulator_rtol = 1e-7;
  int threads = 0;                                   // finite differences in parallel; 0: all cores
  std::function<void(const std::string&)> progress;  // one line per iteration / profile point
};

struct IdentifiedParameter {
  std::string path;
  double start = 0, value = 0, lower = 0, upper = 0;
  bool log_scale = true;
  double standard_error = 0;       // of ln(value) (log scale) or of the value
  double ci_low = 0, ci_high = 0;  // 95 % from the Jacobian (asymmetric on the log scale)
  // 95 % profile-likelihood interval; open (nullopt) where the profile does not rise by
  // 3.84 before the bound.
  bool profiled = false;
  std::optional<double> profile_low, profile_high;
  bool determined = true;
  std::string note;  // why not determined
};

struct ExperimentFit {
  std::string source;
  std::size_t points = 0;
  double chi2 = 0;                                        // sum of squared weighted residuals
  double rms_V = NAN, rms_A = NAN, rms_relative_z = NAN;  // unweighted misfit, in the signal's units
  double noise_V = NAN, noise_A = NAN, noise_relative_z = NAN;
  std::vector<std::string> notes;
  // The fitted model at the experiment's points: time-domain values (as the experiment's
  // rows: V or A) and the impedance at its frequencies.
  std::vector<double> model;
  std::vector<std::complex<double>> model_z;
};

struct IdentifyResult {
  std::vector<IdentifiedParameter> parameters;
  std::vector<std::vector<double>> correlation;  // of the scaled parameters
  std::vector<ExperimentFit> experiments;
  // Directions in parameter space the data do not determine, in words ("only k0 / Omega
  // is determined by these data").
  std::vector<std::string> undetermined;
  std::size_t points = 0;
  double chi2 = 0, reduced_chi2 = 0;
  long simulations = 0;
  double seconds = 0;
  bool converged = false;  // the optimizer's verdict
  std::string optimizer_message;
  std::vector<std::string> warnings;
};

// Throws castor::Error when a path is not a numeric key, a start is outside its bounds or
// the simulation fails at the start values.
IdentifyResult identify(const ParameterFile& file, const std::vector<MeasuredExperiment>& experiments, const IdentifyOptions& options);

// The weighted residuals of one experiment for one parameter set (what identify
// minimises); throws castor::Error when the simulation fails.
std::vector<double> weighted_residuals(const sim::CellParameters& parameters, const MeasuredExperiment& experiment,
                                       double simulator_rtol = 1e-7);

}  // namespace castor::fit
