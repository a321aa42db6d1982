// A simulator parameter file (TOML, spec/simulator.md) whose numeric keys are read and
// replaced by their paths, e.g. "cathode.k0_A_m2" or "particles.radius_nm": what
// `castor identify --fit PATH` and parameter sweeps change. Keys the file does not set are
// read from its preset (preset = "ntp-ca"). Units are those of the key names.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "castor/sim/parameters.h"

namespace castor::fit {

class ParameterFile {
 public:
  // A .toml file, or the name of a preset. Throws castor::Error naming the file.
  static ParameterFile load(const std::string& file_or_preset);
  static ParameterFile from_text(std::string text, std::string source);

  // The number at `path` in the file, else in its preset. Throws castor::Error naming the
  // file and the key when it is in neither or is not a number.
  double value(std::string_view path) const;
  // The cell parameters with these keys set (the file is not changed). Throws
  // castor::Error from the parameter parser and its validation, naming the key, when a
  // value is not allowed.
  sim::CellParameters with(const std::vector<std::pair<std::string, double>>& values) const;
  sim::CellParameters parameters() const { return with({}); }
  const std::string& source() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace castor::fit
