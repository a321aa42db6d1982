// castor._castor: the C++ library seen from Python. Thin: it converts arguments, releases the
// GIL around the work, hands columns to numpy without copying and turns castor::Error into
// the castor.Error classes (castor/_errors.py). The Python package (castor/__init__.py) adds
// pandas conversion and the keyword-argument front door.
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <complex>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/error.h"
#include "castor/core/table.h"
#include "castor/cv/cv.h"
#include "castor/cv/cv_report.h"
#include "castor/cycling/batch.h"
#include "castor/cycling/cycling.h"
#include "castor/cycling/cycling_report.h"
#include "castor/eis/circuit.h"
#include "castor/eis/eis_report.h"
#include "castor/eis/fit.h"
#include "castor/eis/read_impedance.h"
#include "castor/eis/spectrum.h"
#include "castor/fit/experiment.h"
#include "castor/fit/identify.h"
#include "castor/fit/identify_report.h"
#include "castor/fit/parameter_file.h"
#include "castor/gitt/gitt.h"
#include "castor/gitt/gitt_report.h"
#include "castor/io/detect.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/io/write_table.h"
#include "castor/report/report.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"
#include "castor/sim/simulate_many.h"
#include "castor/version.h"

namespace py = pybind11;
using namespace castor;

namespace {

using TablePtr = std::shared_ptr<Table>;

// castor::Error -> castor.InputError / UsageError / ResourceError / InternalError, with the
// file, format, reason, line and byte offset as attributes.
void raise_as_python(const Error& e) {
  py::object errors = py::module_::import("castor._errors");
  py::object instance =
      errors.attr("from_native")(to_string(e.kind()), e.what(), e.file(), e.format(), e.reason(),
                                 e.line() ? py::cast(*e.line()) : py::none(), e.byte_offset() ? py::cast(*e.byte_offset()) : py::none());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const py::error_already_set&) {
    throw;
  } catch (const py::builtin_exception&) {
    throw;
  } catch (const Error& e) {
    raise_as_python(e);
  } catch (const std::exception&) {
    raise_as_python(current_error());
  }
}

py::object column_array(const TablePtr& table, const Column& c) {
  // A view of the column's storage; the array keeps the table alive.
  py::array_t<double> a({c.values.size()}, {sizeof(double)}, c.values.data(), py::cast(table));
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

py::dict meta_dict(const Metadata& m) {
  py::dict d;
  d["layout"] = m.layout == TableLayout::time_series ? "time_series" : "half_cycles";
  d["source_file"] = m.source_file;
  d["format"] = m.format;
  d["instrument"] = m.instrument;
  d["software_version"] = m.software_version;
  d["technique"] = m.technique;
  d["start_time"] = m.start_time;
  d["active_mass_g"] = m.active_mass_g ? py::cast(*m.active_mass_g) : py::none();
  d["electrode_area_cm2"] = m.electrode_area_cm2 ? py::cast(*m.electrode_area_cm2) : py::none();
  d["extra"] = m.extra;
  d["warnings"] = m.warnings;
  d["not_read"] = m.not_read;
  return d;
}

py::object report_column(const report::ReportColumn& c) {
  if (c.is_text()) return py::cast(c.texts);
  return py::array_t<double>(c.numbers.size(), c.numbers.data());
}

const report::ReportTable& table_named(const report::Report& r, const std::string& name) {
  for (const auto& t : r.tables)
    if (t.name == name) return t;
  std::string names;
  for (const auto& t : r.tables) names += (names.empty() ? "" : ", ") + t.name;
  throw Error(fmt::format("the {} report has no table '{}' (it has: {})", r.analysis, name, names), ErrorKind::usage);
}

std::optional<cycling::ActiveMass> mass_from(std::optional<double> mass_mg, std::optional<double> loading_mg_cm2,
                                             std::optional<double> area_cm2, std::optional<double> electrode_mg,
                                             const std::vector<double>& fractions) {
  const int given = bool(mass_mg) + bool(loading_mg_cm2) + bool(electrode_mg);
  if (given > 1)
    throw Error("give the active mass one way: mass_mg, loading_mg_cm2 with area_cm2, or electrode_mg with fractions", ErrorKind::usage);
  auto positive = [](double v, const char* what) {
    if (!(v > 0)) throw Error(fmt::format("{} = {}: must be a positive number", what, v), ErrorKind::usage);
    return v;
  };
  if (mass_mg) return cycling::ActiveMass::given_mg(positive(*mass_mg, "mass_mg"));
  if (loading_mg_cm2) {
    if (!area_cm2) throw Error("loading_mg_cm2 needs area_cm2", ErrorKind::usage);
    return cycling::ActiveMass::from_loading(positive(*loading_mg_cm2, "loading_mg_cm2"), positive(*area_cm2, "area_cm2"));
  }
  if (electrode_mg) {
    if (fractions.empty()) throw Error("electrode_mg needs fractions", ErrorKind::usage);
    return cycling::ActiveMass::from_electrode(positive(*electrode_mg, "electrode_mg"), fractions);
  }
  return std::nullopt;
}

struct CyclingArgs {
  std::optional<double> mass_mg, loading_mg_cm2, area_cm2, electrode_mg;
  std::vector<double> fractions;
  std::string cycles = "auto", ce = "auto";
  bool steps_from_current = false, hysteresis_soc50 = false;
  std::optional<double> rest_current_A;
};

cycling::CyclingOptions cycling_options(const CyclingArgs& a) {
  cycling::CyclingOptions o;
  o.mass = mass_from(a.mass_mg, a.loading_mg_cm2, a.area_cm2, a.electrode_mg, a.fractions);
  o.segments.use_file_columns = !a.steps_from_current;
  if (a.rest_current_A) o.segments.rest_current_A = *a.rest_current_A;
  o.hysteresis_soc50 = a.hysteresis_soc50;
  if (a.cycles == "file")
    o.cycles = cycling::CycleRule::file;
  else if (a.cycles == "run-order")
    o.cycles = cycling::CycleRule::run_order;
  else if (a.cycles != "auto")
    throw Error(fmt::format("cycles='{}': use 'file', 'run-order' or 'auto'", a.cycles), ErrorKind::usage);
  if (a.ce == "discharge/charge")
    o.ce = cycling::CeConvention::discharge_over_charge;
  else if (a.ce == "charge/discharge")
    o.ce = cycling::CeConvention::charge_over_discharge;
  else if (a.ce != "auto")
    throw Error(fmt::format("ce='{}': use 'discharge/charge', 'charge/discharge' or 'auto'", a.ce), ErrorKind::usage);
  return o;
}

CyclingArgs cycling_args(py::kwargs kw) {
  CyclingArgs a;
  for (auto [key, value] : kw) {
    const std::string k = py::cast<std::string>(key);
    if (value.is_none()) continue;
    if (k == "mass_mg")
      a.mass_mg = py::cast<double>(value);
    else if (k == "loading_mg_cm2")
      a.loading_mg_cm2 = py::cast<double>(value);
    else if (k == "area_cm2")
      a.area_cm2 = py::cast<double>(value);
    else if (k == "electrode_mg")
      a.electrode_mg = py::cast<double>(value);
    else if (k == "fractions")
      a.fractions = py::cast<std::vector<double>>(value);
    else if (k == "cycles")
      a.cycles = py::cast<std::string>(value);
    else if (k == "ce")
      a.ce = py::cast<std::string>(value);
    else if (k == "steps_from_current")
      a.steps_from_current = py::cast<bool>(value);
    else if (k == "hysteresis_soc50")
      a.hysteresis_soc50 = py::cast<bool>(value);
    else if (k == "rest_current_A")
      a.rest_current_A = py::cast<double>(value);
    else
      throw Error(fmt::format("unknown option '{}' (cycling takes mass_mg, loading_mg_cm2, area_cm2, electrode_mg, fractions, "
                              "cycles, ce, steps_from_current, hysteresis_soc50, rest_current_A)",
                              k),
                  ErrorKind::usage);
  }
  return a;
}

sim::CellParameters parameters_from(const std::string& p) {
  if (p.ends_with(".toml")) return sim::load_parameters(p);
  return sim::preset(p);
}

py::dict ledger_dict(const sim::ChargeLedger& L) {
  py::dict d;
  d["passed_C"] = L.passed_C;
  d["insertion_C"] = L.insertion_C;
  d["side_C"] = L.side_C;
  d["double_layer_C"] = L.double_layer_C;
  d["double_layer_jumps_C"] = L.double_layer_jumps_C;
  d["trapped_C"] = L.trapped_C;
  d["activated_C"] = L.activated_C;
  d["insertion_from_fillings_C"] = L.insertion_from_fillings_C;
  d["imbalance"] = L.imbalance;
  d["fillings_imbalance"] = L.fillings_imbalance;
  return d;
}

// The parameters of a simulation: a preset or .toml file, with overrides by parameter path
// ("cathode.k0_A_m2"), as identify and sweeps set them.
sim::CellParameters simulation_parameters(const std::string& params, const std::map<std::string, double>& overrides) {
  return overrides.empty() ? parameters_from(params) : fit::ParameterFile::load(params).with({overrides.begin(), overrides.end()});
}

py::dict simulation_dict(sim::SimulationResult&& r) {
  py::dict out;
  out["table"] = std::make_shared<Table>(std::move(r.table));
  py::list spectra;
  for (const auto& s : r.spectra) {
    eis::Spectrum e;
    e.freq_Hz = s.freq_Hz;
    e.z_ohm = s.z_ohm;
    e.source = fmt::format("simulated, after protocol step {}", s.after_step + 1);
    spectra.append(py::cast(std::move(e)));
  }
  out["spectra"] = spectra;
  out["ledger"] = ledger_dict(r.ledger);
  out["solver_steps"] = r.solver_steps;
  py::dict work;
  work["residuals"] = r.work.residuals;
  work["jacobians"] = r.work.jacobians;
  work["factorizations"] = r.work.factorizations;
  work["newton_iterations"] = r.work.newton_iterations;
  work["error_test_failures"] = r.work.error_test_failures;
  work["newton_failures"] = r.work.newton_failures;
  out["work"] = work;
  return out;
}

}  // namespace

PYBIND11_MODULE(_castor, m) {
  m.doc() = "castor's C++ library (use the castor package, not this module)";
  m.attr("__version__") = version();
  py::register_exception_translator(&translate);

  py::class_<Table, TablePtr>(m, "Table", "The common table: what every reader returns and every analysis reads")
      .def_property_readonly("rows", &Table::rows)
      .def("__len__", &Table::rows)
      .def_property_readonly(
          "columns",
          [](const Table& t) {
            std::vector<std::string> names;
            for (const auto& c : t.columns()) names.push_back(c.name);
            for (const auto& c : t.text_columns()) names.push_back(c.name);
            return names;
          },
          "column names: the common ones (voltage_V, current_A, ...) and the file's own under their raw names")
      .def(
          "column_info",
          [](const Table& t) {
            py::list out;
            for (const auto& c : t.columns()) {
              py::dict d;
              d["name"] = c.name;
              d["unit"] = c.unit;
              d["source_name"] = c.source_name;
              d["role"] = c.role == ColumnRole::Common ? "common" : "raw";
              d["kind"] = "number";
              out.append(d);
            }
            for (const auto& c : t.text_columns()) {
              py::dict d;
              d["name"] = c.name;
              d["unit"] = "";
              d["source_name"] = c.source_name;
              d["role"] = "raw";
              d["kind"] = "text";
              out.append(d);
            }
            return out;
          },
          "name, unit, source_name, role (common or raw) and kind (number or text) of every column")
      .def("__contains__", [](const Table& t, const std::string& name) { return t.has(name) || t.find_text(name); })
      .def(
          "__getitem__",
          [](const TablePtr& t, const std::string& name) -> py::object {
            if (const Column* c = t->find(name)) return column_array(t, *c);
            if (const TextColumn* c = t->find_text(name)) return py::cast(c->values);
            throw py::key_error(fmt::format("{}: no column '{}'", t->meta.source_file, name));
          },
          "a numeric column as a read-only numpy view of castor's storage (no copy), a text column as a list")
      .def(
          "text_codes",
          [](const Table& t, const std::string& name) {
            const TextColumn* c = t.find_text(name);
            if (!c) throw py::key_error(fmt::format("{}: no text column '{}'", t.meta.source_file, name));
            // Codes into the distinct values in order of first appearance (a pandas
            // Categorical without one Python string per row).
            std::unordered_map<std::string_view, std::int32_t> code_of;
            std::vector<std::string_view> categories;
            py::array_t<std::int32_t> codes(static_cast<py::ssize_t>(c->values.size()));
            auto* out = codes.mutable_data();
            for (std::size_t i = 0; i < c->values.size(); ++i) {
              auto [it, added] = code_of.try_emplace(c->values[i], static_cast<std::int32_t>(categories.size()));
              if (added) categories.push_back(c->values[i]);
              out[i] = it->second;
            }
            return py::make_tuple(codes, py::cast(categories));
          },
          py::arg("name"), "a text column as (codes, categories): codes an int32 array indexing the distinct values")
      .def_property_readonly("meta", [](const Table& t) { return meta_dict(t.meta); })
      .def("summary", [](const Table& t) {
        const auto s = summarize(t);
        py::dict d;
        d["rows"] = s.rows;
        d["columns"] = s.columns;
        d["cycles"] = s.n_cycles ? py::cast(*s.n_cycles) : py::none();
        d["steps"] = s.n_steps ? py::cast(*s.n_steps) : py::none();
        d["time_start_s"] = s.time_start_s ? py::cast(*s.time_start_s) : py::none();
        d["time_end_s"] = s.time_end_s ? py::cast(*s.time_end_s) : py::none();
        d["voltage_min_V"] = s.voltage_min_V ? py::cast(*s.voltage_min_V) : py::none();
        d["voltage_max_V"] = s.voltage_max_V ? py::cast(*s.voltage_max_V) : py::none();
        d["current_min_A"] = s.current_min_A ? py::cast(*s.current_min_A) : py::none();
        d["current_max_A"] = s.current_max_A ? py::cast(*s.current_max_A) : py::none();
        return d;
      });

  py::class_<report::Report>(m, "Report", "What an analysis found: values with units, tables, notes and warnings")
      .def_readonly("analysis", &report::Report::analysis)
      .def_readonly("source", &report::Report::source)
      .def_readonly("summary", &report::Report::summary)
      .def_readonly("notes", &report::Report::notes)
      .def_readonly("warnings", &report::Report::warnings)
      .def_property_readonly("values",
                             [](const report::Report& r) {
                               py::list out;
                               for (const auto& q : r.values) {
                                 py::dict d;
                                 d["name"] = q.name;
                                 d["label"] = q.label;
                                 d["value"] = q.value;
                                 d["unit"] = q.unit;
                                 d["note"] = q.note;
                                 d["std_error"] = q.std_error;
                                 out.append(d);
                               }
                               return out;
                             })
      .def_property_readonly("table_names",
                             [](const report::Report& r) {
                               std::vector<std::string> names;
                               for (const auto& t : r.tables) names.push_back(t.name);
                               return names;
                             })
      .def(
          "table_columns",
          [](const report::Report& r, const std::string& name) {
            py::list out;
            for (const auto& c : table_named(r, name).columns) out.append(py::make_tuple(c.name, c.unit, report_column(c)));
            return out;
          },
          "the columns of a table as (name, unit, values) tuples")
      .def("text",
           [](const report::Report& r) {
             std::ostringstream s;
             report::write_text(r, s);
             return s.str();
           })
      .def("json",
           [](const report::Report& r) {
             std::ostringstream s;
             report::write_json(r, s);
             return s.str();
           })
      .def(
          "write", [](const report::Report& r, const std::string& path, const std::string& table) { report::write_file(r, path, table); },
          py::arg("path"), py::arg("table") = "");

  py::class_<eis::Spectrum>(m, "Spectrum", "One impedance spectrum: frequencies (Hz) and complex impedance (Ohm)")
      .def(py::init([](std::vector<double> f, std::vector<std::complex<double>> z, std::string source) {
             if (f.size() != z.size())
               throw Error(fmt::format("Spectrum: {} frequencies but {} impedances", f.size(), z.size()), ErrorKind::usage);
             for (double x : f)
               if (!(x > 0)) throw Error(fmt::format("Spectrum: frequency {} Hz is not positive", x), ErrorKind::usage);
             eis::Spectrum s;
             s.freq_Hz = std::move(f);
             s.z_ohm = std::move(z);
             s.source = std::move(source);
             return s;
           }),
           py::arg("freq_Hz"), py::arg("z_ohm"), py::arg("source") = "python")
      .def_property_readonly("freq_Hz", [](const eis::Spectrum& s) { return py::array_t<double>(s.freq_Hz.size(), s.freq_Hz.data()); })
      .def_property_readonly("z_ohm",
                             [](const eis::Spectrum& s) { return py::array_t<std::complex<double>>(s.z_ohm.size(), s.z_ohm.data()); })
      .def_readonly("source", &eis::Spectrum::source)
      .def_readonly("warnings", &eis::Spectrum::warnings)
      .def("__len__", &eis::Spectrum::size);

  m.def(
      "read",
      [](const std::vector<std::filesystem::path>& paths, const std::string& format) {
        io::ReadOptions o;
        if (!format.empty()) o.format = io::format_from_string(format);
        py::gil_scoped_release release;
        return std::make_shared<Table>(paths.size() == 1 ? io::read_table(paths.front(), o) : io::read_tables_joined(paths, o));
      },
      py::arg("paths"), py::arg("format") = "");

  m.def(
      "write",
      [](const TablePtr& t, const std::filesystem::path& path, bool raw) {
        io::WriteOptions o;
        o.include_raw = raw;
        py::gil_scoped_release release;
        io::write_table(*t, path, o);
      },
      py::arg("table"), py::arg("path"), py::arg("raw") = true);

  m.def("formats", [] {
    py::list out;
    for (const auto& f : io::formats()) {
      py::dict d;
      d["id"] = std::string(f.id);
      d["kind"] = std::string(f.kind);
      d["description"] = std::string(f.description);
      d["checked"] = std::string(f.checked);
      out.append(d);
    }
    return out;
  });

  m.def("cycling", [](const TablePtr& t, py::kwargs kw) {
    const auto o = cycling_options(cycling_args(kw));
    py::gil_scoped_release release;
    return cycling::to_report(cycling::analyse_cycling(*t, o));
  });

  m.def(
      "dqdv",
      [](const TablePtr& t, int cycle, double grid_mV, double window_mV, int order, const std::string& smoothing, double min_prominence,
         py::kwargs kw) {
        const auto o = cycling_options(cycling_args(kw));
        cycling::DqdvOptions d;
        d.grid_step_V = grid_mV * 1e-3;
        d.window_V = window_mV * 1e-3;
        d.polyorder = order;
        d.min_prominence_fraction = min_prominence;
        const auto s = cycling::smoothing_from_string(smoothing);
        if (!s) throw Error(fmt::format("smoothing='{}': use savitzky-golay, smoothing-spline or none", smoothing), ErrorKind::usage);
        d.smoothing = *s;
        py::gil_scoped_release release;
        const auto r = cycling::analyse_cycling(*t, o);
        auto rep = cycling::to_report(cycling::dqdv_of_cycle(*t, r, cycle, d), t->meta.source_file);
        rep.warnings = r.warnings;  // the file's and the mass's, as for the cycling report
        return rep;
      },
      py::arg("table"), py::arg("cycle") = 1, py::arg("grid_mV") = 1.0, py::arg("window_mV") = 20.0, py::arg("order") = 3,
      py::arg("smoothing") = "savitzky-golay", py::arg("min_prominence") = 0.1);

  m.def(
      "gitt",
      [](const TablePtr& t, const std::string& formula, double mass_mg, const std::string& ion, std::optional<double> radius_nm,
         std::optional<double> area_cm2, std::optional<double> molar_volume_cm3_mol, bool sqrt_fit, const std::vector<std::string>& windows,
         std::optional<double> rest_current_A) {
        if (formula.empty()) throw Error("gitt needs formula= (the molar mass and theoretical capacity)", ErrorKind::usage);
        if (!(mass_mg > 0)) throw Error("gitt needs mass_mg= (the active mass)", ErrorKind::usage);
        gitt::GittOptions o;
        const auto f = chem::parse_formula(formula);
        o.mass_g = mass_mg * 1e-3;
        o.molar_mass_g_mol = f.molar_mass_g_mol;
        o.ion_charge = chem::ion_charge(ion);
        if (radius_nm && area_cm2) throw Error("give either radius_nm (sphere form) or area_cm2 (electrode form)", ErrorKind::usage);
        if (area_cm2) {
          if (!molar_volume_cm3_mol) throw Error("the electrode form (area_cm2) needs molar_volume_cm3_mol", ErrorKind::usage);
          o.geometry = gitt::Geometry::electrode_area;
          o.area_cm2 = *area_cm2;
          o.molar_volume_cm3_mol = *molar_volume_cm3_mol;
        } else {
          if (!radius_nm) throw Error("gitt needs radius_nm= (sphere form) or area_cm2= with molar_volume_cm3_mol=", ErrorKind::usage);
          o.geometry = gitt::Geometry::sphere;
          o.radius_cm = *radius_nm * 1e-7;
        }
        o.slope = sqrt_fit ? gitt::Slope::sqrt_time_fit : gitt::Slope::end_points;
        o.rest_current_A = rest_current_A;
        std::vector<gitt::SocWindow> w;
        for (const auto& text : windows) w.push_back(gitt::parse_soc_window(text));
        if (windows.empty()) w = gitt::default_soc_windows();
        py::gil_scoped_release release;
        return gitt::to_report(gitt::analyse_gitt(*t, o), o, t->meta.source_file, w);
      },
      py::arg("table"), py::arg("formula"), py::arg("mass_mg"), py::arg("ion") = "Li", py::arg("radius_nm") = py::none(),
      py::arg("area_cm2") = py::none(), py::arg("molar_volume_cm3_mol") = py::none(), py::arg("sqrt_fit") = false,
      py::arg("windows") = std::vector<std::string>{}, py::arg("rest_current_A") = py::none());

  m.def(
      "cv",
      [](const std::vector<TablePtr>& tables, int electrons, double area_cm2, double concentration_mM, double temperature_C,
         bool insertion_electrode) {
        std::vector<cv::CvRun> runs;
        py::gil_scoped_release release;
        for (const auto& t : tables) runs.push_back({t->meta.source_file, *t, cv::analyse_cv(*t)});
        const cv::ScanRateInputs in{electrons, area_cm2, concentration_mM, temperature_C + 273.15, insertion_electrode};
        std::optional<cv::ScanRateResult> rates;
        if (runs.size() > 1) {
          std::vector<cv::ScanRatePoint> pts;
          for (const auto& run : runs) pts.push_back(cv::scan_rate_point(run));
          rates =
              cv::scan_rate_analysis(pts, in.electrons, in.area_cm2, in.concentration_mM * 1e-6, in.temperature_K, in.insertion_electrode);
        }
        return cv::to_report(runs, rates, in);
      },
      py::arg("tables"), py::arg("electrons") = 1, py::arg("area_cm2") = 0.0, py::arg("concentration_mM") = 0.0,
      py::arg("temperature_C") = 25.0, py::arg("insertion_electrode") = false);

  m.def(
      "read_impedance",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return eis::read_impedance(path);
      },
      py::arg("path"));
  m.def(
      "keep_frequencies", [](const eis::Spectrum& s, double lo, double hi) { return eis::keep_frequencies(s, lo, hi); },
      py::arg("spectrum"), py::arg("f_min_Hz"), py::arg("f_max_Hz"));
  m.def("keep_capacitive", &eis::keep_capacitive, py::arg("spectrum"));

  m.def(
      "eis_fit",
      [](const eis::Spectrum& s, const std::string& circuit, const std::string& weighting, std::vector<double> initial,
         std::map<std::string, double> constants, int starts, int max_iterations) {
        const eis::Circuit c(circuit);
        eis::FitOptions o;
        const auto w = eis::weighting_from_string(weighting);
        if (!w) throw Error(fmt::format("weighting='{}': unit, proportional or modulus", weighting), ErrorKind::usage);
        o.weighting = *w;
        o.initial = std::move(initial);
        o.constants = std::move(constants);
        if (starts < 1) throw Error(fmt::format("starts={}: at least 1", starts), ErrorKind::usage);
        o.starts = starts;
        o.max_iterations = max_iterations;
        py::gil_scoped_release release;
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = eis::fit_circuit(c, s, o);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        return eis::to_report(r, s, o, ms);
      },
      py::arg("spectrum"), py::arg("circuit"), py::arg("weighting") = "unit", py::arg("initial") = std::vector<double>{},
      py::arg("constants") = std::map<std::string, double>{}, py::arg("starts") = 24, py::arg("max_iterations") = 400);

  m.def(
      "eis_kk",
      [](const eis::Spectrum& s, std::string fit, bool add_capacitance, double mu_cutoff, int max_M) {
        eis::KkRequest q;
        q.add_capacitance = add_capacitance;
        q.mu_cutoff = mu_cutoff;
        q.max_M = max_M;
        if (!fit.empty()) {
          q.fit = eis::kk_fit_from_string(fit);
          if (!q.fit) throw Error(fmt::format("fit='{}': real, imag or complex", fit), ErrorKind::usage);
        }
        py::gil_scoped_release release;
        return eis::to_report(eis::check_kk(s, q), s);
      },
      py::arg("spectrum"), py::arg("fit") = "", py::arg("add_capacitance") = false, py::arg("mu_cutoff") = 0.85, py::arg("max_M") = 50);

  m.def(
      "eis_drt",
      [](const eis::Spectrum& s, std::optional<double> lambda) {
        eis::DrtOptions o;
        if (lambda) o.lambda = *lambda;
        py::gil_scoped_release release;
        return eis::to_report(eis::run_drt(s, o, !lambda), s);
      },
      py::arg("spectrum"), py::arg("lambda_") = py::none());

  m.def(
      "simulate",
      [](const std::string& params, const std::string& protocol, double rtol, double atol, bool record_fillings,
         const std::map<std::string, double>& overrides) {
        const auto prm = simulation_parameters(params, overrides);
        const auto steps = sim::parse_protocol(protocol);
        sim::SimulationOptions o;
        o.rtol = rtol;
        o.atol = atol;
        o.record_fillings = record_fillings;
        sim::SimulationResult r;
        {
          py::gil_scoped_release release;
          r = sim::simulate(prm, steps, o);
        }
        return simulation_dict(std::move(r));
      },
      py::arg("params"), py::arg("protocol"), py::arg("rtol") = 1e-7, py::arg("atol") = 1e-9, py::arg("record_fillings") = false,
      py::arg("overrides") = std::map<std::string, double>{});

  m.def(
      "simulate_many",
      [](const std::vector<std::pair<std::string, std::map<std::string, double>>>& sets, const std::string& protocol, double rtol,
         double atol, unsigned threads) {
        const auto steps = sim::parse_protocol(protocol);
        std::vector<sim::SimulationJob> jobs;
        for (const auto& [params, overrides] : sets) {
          jobs.push_back({simulation_parameters(params, overrides), steps, {}});
          jobs.back().options.rtol = rtol;
          jobs.back().options.atol = atol;
        }
        std::vector<sim::SimulationResult> rs;
        {
          py::gil_scoped_release release;
          rs = sim::simulate_many(jobs, threads);
        }
        py::list out;
        for (auto& r : rs) out.append(simulation_dict(std::move(r)));
        return out;
      },
      py::arg("sets"), py::arg("protocol"), py::arg("rtol") = 1e-7, py::arg("atol") = 1e-9, py::arg("threads") = 0u);

  m.def(
      "identify",
      [](const std::string& params, const std::vector<std::string>& experiments, const std::vector<std::string>& fit, int starts,
         bool profiles, std::optional<std::string> protocol) {
        const auto file = fit::ParameterFile::load(params);
        fit::IdentifyOptions o;
        for (const auto& p : fit) o.parameters.push_back(fit::parse_fit_parameter(p));
        if (o.parameters.empty())
          throw Error("identify needs fit=[...] (the parameters to identify, e.g. 'cathode.k0_A_m2')", ErrorKind::usage);
        o.starts = starts;
        o.profiles = profiles;
        fit::LoadOptions lo;
        lo.protocol = protocol;
        std::vector<fit::MeasuredExperiment> measured;
        std::ostringstream text, json;
        {
          py::gil_scoped_release release;
          for (const auto& e : experiments) {
            auto more = fit::load_experiments(e, lo);
            for (auto& x : more) measured.push_back(std::move(x));
          }
          const auto r = fit::identify(file, measured, o);
          fit::write_identify_text(r, file, measured, text);
          fit::write_identify_json(r, file, json);
        }
        return py::make_tuple(text.str(), json.str());
      },
      py::arg("params"), py::arg("experiments"), py::arg("fit"), py::arg("starts") = 1, py::arg("profiles") = false,
      py::arg("protocol") = py::none());

  m.def(
      "batch",
      [](const std::vector<std::string>& inputs, const std::string& masses, bool only_listed, unsigned threads, py::object progress,
         py::kwargs kw) {
        cycling::BatchOptions o;
        o.cycling = cycling_options(cycling_args(kw));
        if (!masses.empty()) o.cells = cycling::read_cells_table(masses);
        if (only_listed && o.cells.empty()) throw Error("only_listed needs masses= (the cells table)", ErrorKind::usage);
        o.require_cell_entry = only_listed;
        o.threads = threads;
        if (!progress.is_none())
          o.progress = [progress](std::size_t done, std::size_t total) {
            py::gil_scoped_acquire gil;
            try {
              progress(done, total);
            } catch (py::error_already_set& e) {
              e.discard_as_unraisable("castor.batch progress callback");  // a broken callback does not stop the batch
            }
          };
        py::gil_scoped_release release;
        const auto in = cycling::expand_batch_inputs(inputs);
        auto r = cycling::run_batch(in.files, o);
        r.skipped = in.skipped;
        return cycling::to_report(r);
      },
      py::arg("inputs"), py::arg("masses") = "", py::arg("only_listed") = false, py::arg("threads") = 0u, py::arg("progress") = py::none());

  m.def(
      "read_cells_table",
      [](const std::filesystem::path& path) {
        py::list out;
        for (const auto& c : cycling::read_cells_table(path)) {
          py::dict d;
          d["cell_id"] = c.cell_id;
          d["files"] = c.patterns;
          d["mass_mg"] = c.mass_mg ? py::cast(*c.mass_mg) : py::none();
          d["loading_mg_cm2"] = c.loading_mg_cm2 ? py::cast(*c.loading_mg_cm2) : py::none();
          d["area_cm2"] = c.area_cm2 ? py::cast(*c.area_cm2) : py::none();
          d["formula"] = c.formula;
          d["ion"] = c.ion;
          d["notes"] = c.notes;
          d["line"] = c.line;
          out.append(d);
        }
        return out;
      },
      py::arg("path"));

  m.def(
      "expand_inputs",
      [](const std::vector<std::string>& inputs) {
        const auto in = cycling::expand_batch_inputs(inputs);
        std::vector<std::string> files;
        for (const auto& f : in.files) files.push_back(f.string());
        return py::make_tuple(files, in.skipped);
      },
      py::arg("inputs"));
}
