// What `castor identify` writes, from the library: the text table, the JSON result and the
// measured and fitted curves point by point.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "castor/fit/experiment.h"
#include "castor/fit/identify.h"
#include "castor/fit/parameter_file.h"

namespace castor::fit {

// Experiments and their fit quality, the parameter table (start, value, 95 % intervals from
// the Jacobian and the profile, determined or NOT DETERMINED with the reason), correlations,
// chi2 and the warnings.
void write_identify_text(const IdentifyResult& result, const ParameterFile& file, const std::vector<MeasuredExperiment>& experiments,
                         std::ostream& out);
// The same as JSON (parameters with bounds, scale, standard error, intervals; experiments).
void write_identify_json(const IdentifyResult& result, const ParameterFile& file, std::ostream& out);
// One row per measured point: experiment, source, time_s or frequency_Hz, quantity, unit,
// measured, model.
void write_identify_curves(const IdentifyResult& result, const std::vector<MeasuredExperiment>& experiments, std::ostream& out);
// What --strict refuses: the warnings and every parameter the data do not determine.
std::vector<std::string> identify_problems(const IdentifyResult& result);

}  // namespace castor::fit
