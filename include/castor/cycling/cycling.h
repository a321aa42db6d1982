// The cycling evaluation of one run: steps, half-cycles, per-cycle and per-rate tables.
//
// Cycles: by default the file's own cycle index where the table has one (EC-Lab cycle
// number, Neware/BTSDA cycle, Arbin Cycle_Index, Maccor Cyc#, ...): a cycle is every
// half-cycle that runs within one file cycle, numbered as the file numbers it. Without a
// cycle index (or with CycleRule::run_order) cycles are counted in run order, two
// half-cycles each; a leading half-cycle much shorter than the next of its direction (a
// formation from the as-made state) is cycle 0 on its own.
//
// Coulombic efficiency within each cycle: what comes out over what went in. By default the
// convention follows the cycles: when they begin with a charge (a cathode made with the
// ion, a full cell), CE = discharge/charge; when they begin with a discharge (an anode
// against a metal counter electrode, a cathode made without the ion), CE =
// charge/discharge. --ce chooses; the result states the convention and why.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/table.h"
#include "castor/cycling/capacity.h"
#include "castor/cycling/dqdv.h"
#include "castor/cycling/plateau.h"
#include "castor/cycling/steps.h"

namespace castor::cycling {

enum class CycleRule { automatic, file, run_order };  // automatic: file when the table has a cycle index
enum class CeConvention { automatic, discharge_over_charge, charge_over_discharge };

struct CyclingOptions {
  SegmentOptions segments;
  CycleRule cycles = CycleRule::automatic;
  CeConvention ce = CeConvention::automatic;
  std::size_t min_step_rows = 3;  // shorter active steps are merged into their neighbours
  double min_step_s = 1.0;
  double jump_fraction = 0.2;  // a cycle whose capacity differs from the previous by more (same rate) is flagged
  double formation_fraction = 0.5;
  // Capacities from the instrument's own counters (Neware, Arbin, BioLogic, Maccor capacity
  // columns) where the file has them and they agree with the integral of the current
  // within what sampling explains; else the integral.
  bool use_file_capacity = true;   // run order: a first half-cycle below this fraction of the next of its direction is cycle 0
  std::optional<ActiveMass> mass;  // else the file's active mass, else none (mAh only)
  DqdvOptions dqdv;
  bool hysteresis_soc50 = false;  // skip dQ/dV peaks, use the SOC-50 % voltages
  double flatness_soc_low = 0.2, flatness_soc_high = 0.8;
  double rate_tolerance = 0.03;  // currents within 3 % belong to one rate
};

struct StepRow {
  Step step;
  StepCharge charge;  // capacity from the instrument's counter where the file has one
  double start_time_s = 0;
  double integral_mAh = 0;        // integral of |I| dt over the samples
  bool from_counter = false;      // capacity (and energy) from the file's own counter
  double capacity_error_mAh = 0;  // counter: 1e-4 x Q (assumed precision); integral: |I| x one sampling interval
};

struct HalfCycleRow {
  int number = 0;  // from 1
  Direction direction = Direction::none;
  std::vector<std::size_t> steps;
  double capacity_mAh = 0, energy_mWh = 0, average_voltage_V = 0;
  double capacity_error_mAh = 0;  // integration bound: |I| x one sampling interval per step
  double current_A = 0;           // charge-weighted mean |I| of its constant-current steps
  std::size_t main_step = 0;      // the longest constant-current step (dQ/dV, flatness)
  std::optional<Flatness> flatness;
  std::string flatness_note;  // why there is none
};

struct CycleRow {
  int cycle = 0;          // the file's cycle number (file rule) or the run-order count (0 = a leading formation half-cycle)
  double file_cycle = 0;  // the file's cycle number of the first step
  std::optional<std::size_t> first, second;  // half-cycle indices: the first two of the cycle
  std::vector<std::size_t> halves;           // every half-cycle of the cycle, in run order
  double charge_mAh = 0, discharge_mAh = 0;
  double charge_energy_mWh = 0, discharge_energy_mWh = 0;
  double average_charge_V = 0, average_discharge_V = 0;  // NaN when absent
  double coulombic_efficiency = 0;                       // by the result's convention; NaN when a direction is missing
  double coulombic_efficiency_error = 0;                 // integration bound: one sampling interval of current at each step's ends
  double cumulative_loss_mAh = 0;                        // running sum of (first - second)
  double retention = 0;                                  // this cycle's first-half capacity / cycle 1's
  std::optional<Hysteresis> hysteresis;
  std::string hysteresis_note;
  double flatness_mean = 0;  // mean of the two halves' end-point flatness (NaN if missing)
  // What castor cannot stand behind in this row: "partial" (one direction only, e.g. a
  // formation half-cycle), "unfinished" (the last cycle lacks its closing half or was cut
  // short), "ce>100%" (above 100 % by more than the integration error), "capacity-jump"
  // (differs from the previous cycle at the same current by more than jump_fraction),
  // "several-half-cycles" (a file cycle with more than one half-cycle of a direction:
  // summed), "coarse-sampling" (one sampling interval of current is more than 1 % of a
  // capacity: the integral of the samples may differ from the instrument's own counter by
  // more than that), "no-charge-or-discharge" (a file cycle in which only rests ran),
  // "implausible-specific-capacity" (above 4000 mAh/g with the mass used).
  std::vector<std::string> flags;
};

struct RateRow {
  Direction direction = Direction::none;
  double current_mA = 0;
  std::vector<int> half_cycles;  // numbers
  double mean_capacity_mAh = 0, last_capacity_mAh = 0;
};

struct CyclingResult {
  std::string source_file;
  std::optional<ActiveMass> mass;
  // The mass came from the file, not from the caller. Such a mass is dropped (capacities in
  // mAh only, with a warning) when it is a known placeholder or gives an implausible
  // specific capacity: see mass_warnings.
  bool mass_from_file = false;
  Direction first_direction = Direction::none;
  std::string cycle_rule;     // "file" or "run-order", with the reason
  std::string ce_convention;  // "discharge/charge" or "charge/discharge"
  std::string ce_reason;      // why this convention
  std::vector<StepRow> steps;
  std::vector<std::size_t> merged_steps;  // short active steps merged into their neighbours
  std::vector<HalfCycleRow> half_cycles;
  std::vector<CycleRow> cycles;
  std::vector<RateRow> rates;
  std::vector<std::string> notes;
  // What castor cannot stand behind: the file's own warnings, an implausible mass.
  std::vector<std::string> warnings;
  // mAh -> mAh/g when the mass is known (NaN otherwise).
  double specific(double mAh) const;
};

// The cycling evaluation of a common table: steps, half-cycles, cycles (capacities in mAh
// and, with a mass, mAh/g; CE in %; voltages in V), rate table and flags. Throws
// castor::Error naming the file when time, voltage or current is missing.
CyclingResult analyse_cycling(const Table& table, const CyclingOptions& options = {});
// The same evaluation for a table of layout half_cycles (one row of totals per half cycle,
// e.g. Gamry CAPACITYCURVE): half cycles as the file states them, paired by the file's
// cycle number, CE = discharge / charge within the cycle. analyse_cycling calls it for
// such tables. No steps, dQ/dV or flatness: the file holds no samples.
CyclingResult analyse_half_cycle_table(const Table& table, const CyclingOptions& options = {});

// Warnings about an active mass: a known placeholder (EC-Lab's 0.001 mg), or one that makes
// the largest half-cycle capacity (mAh) an implausible specific capacity (outside 1-4000
// mAh/g: beyond Li metal's 3860 mAh/g, or below any electrode worth cycling). Empty if fine.
std::vector<std::string> mass_warnings(const ActiveMass& mass, double largest_capacity_mAh);

// Tables as CSV (one file per table: <stem>_cycles.csv, <stem>_steps.csv,
// <stem>_rates.csv) or everything as one JSON document.
void write_cycling_json(const CyclingResult& result, std::ostream& out);
void write_cycles_csv(const CyclingResult& result, std::ostream& out);
void write_steps_csv(const CyclingResult& result, std::ostream& out);
void write_rates_csv(const CyclingResult& result, std::ostream& out);
// A readable summary for a terminal.
std::string summary_text(const CyclingResult& result);

}  // namespace castor::cycling
