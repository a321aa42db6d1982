// Steps and half-cycles of a cycling run.
//
// A step is a run of rows with one purpose (a constant-current charge, a rest, ...). castor
// takes steps from the file's own step and cycle columns when it has them, otherwise from
// changes in the sign and size of the current (rest = |I| below a threshold). A half-cycle
// is a run of active steps in one direction (charge or discharge); rests and impedance
// steps between them do not end it, so a GITT titration is one half-cycle.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/step_kind.h"
#include "castor/core/table.h"

namespace castor::cycling {

struct SegmentOptions {
  // |I| below this is rest when the current decides. Default: 1e-3 x the 99th percentile
  // of |I| (and at least 1e-12 A).
  std::optional<double> rest_current_A;
  // Use the file's step/cycle columns when present (else the current alone).
  bool use_file_columns = true;
};

struct Step {
  std::size_t begin = 0, end = 0;        // rows [begin, end)
  int index = 0;                         // running number from 0
  double file_cycle = 0, file_step = 0;  // the file's own numbers (NaN when absent)
  StepKind kind = StepKind::unknown;
  double mean_current_A = 0;  // charge passed / duration
  double duration_s = 0;
  std::size_t rows() const { return end - begin; }
};

// The rest threshold find_steps uses by default: 1e-3 x the 99th percentile of |I| (at
// least 1e-12 A).
double auto_rest_threshold(const std::vector<double>& current);

std::vector<Step> find_steps(const Table& table, const SegmentOptions& options = {});

// +1 charge, -1 discharge, 0 neither (rest, impedance, sweep, unknown).
Direction direction(StepKind kind);

struct HalfCycle {
  std::vector<std::size_t> steps;  // indices into the step list, active steps only
  Direction direction = Direction::none;
};

struct HalfCycleOptions {
  // A half-cycle also ends where the file's cycle number changes (the file's cycles).
  bool split_at_file_cycle = false;
  // An active step with fewer rows and a shorter duration (a one-point step the cycler logs
  // when it switches) against the current direction, followed by more of the current
  // direction, is a blip: it is merged into its neighbours (it neither ends nor starts a
  // half-cycle, and its charge is not counted). Short steps in the current direction, or
  // that the following steps continue, are ordinary steps.
  std::size_t min_rows = 3;
  double min_duration_s = 1.0;
};

struct HalfCycles {
  std::vector<HalfCycle> half_cycles;
  std::vector<std::size_t> merged_steps;  // the short active steps merged into neighbours
};

// Groups the steps into half-cycles (runs of active steps of one direction), merging short
// blips against the running direction and listing them.
HalfCycles find_half_cycles(const std::vector<Step>& steps, const HalfCycleOptions& options = {});

}  // namespace castor::cycling
