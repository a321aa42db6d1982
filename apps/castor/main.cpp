// castor command line: thin front end over the castor library.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ios>
#include <iostream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "castor/core/provenance.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/table.h"
#include "castor/io/detect.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/report/style.h"
#include "castor/io/write_table.h"
#include "huge_page_heap.h"
#include "strict.h"
#include "terminal.h"
#include "cycling_commands.h"
#include "eis_commands.h"
#include "gitt_cv_commands.h"
#include "identify_command.h"
#include "sim_commands.h"
#include "materials_commands.h"
#include "xps_commands.h"
#include "xrd_commands.h"

namespace {

// Every option of every command refuses NaN, infinities and numbers beyond the double
// range: no analysis can use them, and CLI11 would accept "nan" for a double option.
const CLI::Validator kFinite(
    [](std::string& value) -> std::string {
      std::string v;
      for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      while (!v.empty() && (v.front() == '+' || v.front() == '-' || v.front() == ' ')) v.erase(v.begin());
      if (v == "nan" || v == "inf" || v == "infinity" || v.starts_with("nan(")) return fmt::format("'{}' is not a finite number", value);
      char* end = nullptr;
      errno = 0;
      const double d = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0' && (errno == ERANGE && std::fabs(d) > 1))
        return fmt::format("'{}' is beyond the range of a double", value);
      return {};
    },
    "finite", "finite");

void require_finite_options(CLI::App* app) {
  for (CLI::Option* o : app->get_options())
    if (o->get_type_size() != 0 && o->get_name() != "--help" && o->get_name() != "--version") o->check(kFinite);
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) require_finite_options(sub);
}

std::string opt_num(const std::optional<double>& v, const char* unit, int prec = 6) {
  return v ? fmt::format("{:.{}g} {}", *v, prec, unit) : std::string("-");
}

struct CsvFlags {
  std::vector<std::string> map;
  std::size_t names_line = 0;
  std::string delimiter;
};

castor::io::ReadOptions read_options(const std::string& format, const CsvFlags& csv) {
  castor::io::ReadOptions ro;
  if (!format.empty()) ro.format = castor::io::format_from_string(format);
  for (const auto& m : csv.map) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      throw castor::Error(fmt::format("--map '{}': expected COMMON=SOURCE, e.g. current_A=I/mA", m));
    ro.csv.mapping.explicit_sources[m.substr(0, eq)] = m.substr(eq + 1);
  }
  if (!csv.map.empty() && !ro.format) ro.format = castor::io::Format::generic_csv;
  if (csv.names_line > 0) ro.csv.names_line = csv.names_line;
  if (!csv.delimiter.empty()) {
    if (csv.delimiter == "tab" || csv.delimiter == "\\t")
      ro.csv.delimiter = '\t';
    else if (csv.delimiter.size() == 1)
      ro.csv.delimiter = csv.delimiter[0];
    else
      throw castor::Error(fmt::format("--delimiter '{}': give one character or 'tab'", csv.delimiter));
  }
  return ro;
}

void add_csv_flags(CLI::App* cmd, CsvFlags& csv) {
  cmd->add_option("--map", csv.map,
                  "CSV column mapping COMMON=SOURCE[|UNIT], repeatable; e.g. --map time_s=Elapsed "
                  "--map 'current_A=I|mA' (implies --format csv)");
  cmd->add_option("--names-line", csv.names_line, "CSV: 1-based line holding the column names");
  cmd->add_option("--delimiter", csv.delimiter, "CSV: field delimiter (',', ';' or 'tab')");
}

// --strict: a file castor has warnings about is an error (exit status 2), for pipelines.
void apply_strict(const castor::Table& t, bool strict) {
  castor::cli::refuse_if_strict(strict, t.meta.warnings, t.meta.source_file, t.meta.format);
}

castor::Table read_joined(const std::vector<std::string>& files, const castor::io::ReadOptions& ro) {
  return castor::io::read_tables_joined(std::vector<std::filesystem::path>(files.begin(), files.end()), ro);
}

int cmd_info(const std::vector<std::string>& files, const std::string& format, const CsvFlags& csv, bool strict) {
  const castor::io::ReadOptions ro = read_options(format, csv);
  const castor::Table t = read_joined(files, ro);
  const std::string file = t.meta.source_file;
  apply_strict(t, strict);
  const auto s = castor::summarize(t);
  fmt::print("file        {}\n", file);
  fmt::print("format      {}\n", t.meta.format);
  if (!t.meta.instrument.empty()) fmt::print("instrument  {}\n", t.meta.instrument);
  if (!t.meta.software_version.empty()) fmt::print("software    {}\n", t.meta.software_version);
  if (!t.meta.technique.empty()) fmt::print("technique   {}\n", t.meta.technique);
  if (auto ch = t.meta.extra.find("channel"); ch != t.meta.extra.end()) fmt::print("channel     {}\n", ch->second);
  if (!t.meta.start_time.empty()) fmt::print("started     {}\n", t.meta.start_time);
  if (t.meta.active_mass_g) fmt::print("active mass {:.6g} mg\n", *t.meta.active_mass_g * 1e3);
  if (t.meta.electrode_area_cm2) fmt::print("area        {:.6g} cm2\n", *t.meta.electrode_area_cm2);
  if (auto j = t.meta.extra.find("joined"); j != t.meta.extra.end()) {
    fmt::print("joined      {}\n", j->second);
    for (int k = 1;; ++k) {
      auto h = t.meta.extra.find(fmt::format("joined.{}", k));
      if (h == t.meta.extra.end()) break;
      fmt::print("  {}\n", h->second);
    }
  }
  fmt::print("rows        {}{}\n", s.rows,
             t.meta.layout == castor::TableLayout::half_cycles ? " (one per half cycle: the file stores totals, not samples)" : "");
  fmt::print("cycles      {}\n", s.n_cycles ? fmt::format("{}", *s.n_cycles) : "-");
  fmt::print("steps       {}\n", s.n_steps ? fmt::format("{}", *s.n_steps) : "-");
  if (s.time_start_s)
    fmt::print("time        {:.6g} .. {:.6g} s ({:.4g} h)\n", *s.time_start_s, *s.time_end_s, (*s.time_end_s - *s.time_start_s) / 3600.0);
  fmt::print("voltage     {} .. {}\n", opt_num(s.voltage_min_V, "V"), opt_num(s.voltage_max_V, "V"));
  fmt::print("current     {} .. {}\n", opt_num(s.current_min_A, "A"), opt_num(s.current_max_A, "A"));
  fmt::print("columns     {}\n", s.columns);
  for (const auto& c : t.columns())
    fmt::print("  {:<28} {:<8} {}\n", c.name, c.unit.empty() ? "-" : c.unit,
               c.role == castor::ColumnRole::Common ? fmt::format("<- {}", c.source_name) : "raw");
  for (const auto& c : t.text_columns()) fmt::print("  {:<28} {:<8} raw text\n", c.name, "-");
  fmt::print("not read    {}\n", t.meta.not_read.empty() ? "nothing: castor read every part of the file it knows of" : "");
  for (const auto& n : t.meta.not_read) fmt::print("  {}\n", n);
  for (const auto& w : t.meta.warnings) fmt::print("warning     {}\n", w);
  return 0;
}

int cmd_convert(const std::vector<std::string>& files, const std::string& out, const std::string& format, const CsvFlags& csv,
                bool common_only, bool strict) {
  const castor::io::ReadOptions ro = read_options(format, csv);
  const castor::Table t = read_joined(files, ro);
  const std::string file = t.meta.source_file;
  if (auto j = t.meta.extra.find("joined"); j != t.meta.extra.end()) fmt::print(stderr, "castor: joined {}\n", j->second);
  apply_strict(t, strict);
  for (const auto& w : t.meta.warnings) fmt::print(stderr, "castor: warning: {}: {}\n", file, w);
  castor::io::WriteOptions wo;
  wo.include_raw = !common_only;
  if (out == "-") {
    castor::io::write_csv(t, std::cout, wo);
  } else {
    castor::io::write_table(t, out, wo);
    fmt::print(stderr, "wrote {} rows to {}\n", t.rows(), out);
  }
  return 0;
}

// A figure-style option: its value edits the current style (report::style()).
template <class Value, class Edit>
CLI::Option* add_style_option(CLI::App& app, const char* name, Edit edit, const char* help) {
  return app.add_option_function<Value>(
      name,
      [edit](const Value& v) {
        auto st = castor::report::style();
        edit(v, st);
        castor::report::set_style(st);
      },
      help);
}

}  // namespace

int main(int argc, char** argv) {
  castor::cli::use_huge_pages_for_the_heap();
  castor::cli::interleave_stdout_with_stderr_when_shared();
  CLI::App app{"castor: battery-electrode data toolkit (readers, analyses, simulator)"};
  app.require_subcommand(1);
  app.fallthrough();  // before the subcommands: they inherit it, so --size etc. work after them
  app.set_version_flag("--version", std::string("castor ") + castor::version());
  castor::set_command_line(argc, argv);

  std::vector<std::string> files;
  std::string out, format;
  bool common_only = false, strict = false;
  CsvFlags csv;

  auto* info = app.add_subcommand("info", "Show format, rows, columns, cycles, steps and time span of a file");
  info->add_option("FILES", files, "instrument file; several files of one experiment are joined in time order")->required();
  info->add_option("--format", format, "force a format instead of detecting it");
  add_csv_flags(info, csv);
  info->add_flag("--strict", strict, "treat warnings about the file (truncation, placeholder mass, ...) as errors");

  auto* convert =
      app.add_subcommand("convert", "Convert a file to the common table: CSV, JSON, HDF5 (.h5) or the Battery Data Format (.bdf.csv)");
  convert->add_option("FILES", files, "instrument file; several files of one experiment are joined in time order")->required();
  convert->add_option("-o,--output", out, "output .csv, .json, .h5, .bdf.csv ('-' for CSV on stdout)")->required();
  convert->add_option("--format", format, "force a format instead of detecting it");
  convert->add_flag("--common-only", common_only, "write only the common columns, not the raw ones");
  add_csv_flags(convert, csv);
  convert->add_flag("--strict", strict, "treat warnings about the file as errors");

  auto* formats = app.add_subcommand("formats", "List the file formats castor reads");
  bool formats_markdown = false;
  formats->add_flag("--markdown", formats_markdown, "Print the table as Markdown (the README's format table)");
  // The command groups: all of them for --help, an unknown word or none; else only the group
  // of the command named (building every command's options took ~40 % of a small file's
  // start-up: docs/performance.md).
  struct Group {
    void (*add)(CLI::App&);
    std::initializer_list<std::string_view> commands;
  };
  static const Group groups[] = {
      {castor::cli::add_cycling_commands, {"cycling", "batch", "report", "dqdv", "ocv", "compare"}},
      {castor::cli::add_eis_commands, {"eis"}},
      {castor::cli::add_gitt_cv_commands, {"gitt", "cv"}},
      {castor::cli::add_sim_commands, {"simulate", "demo"}},
      {castor::cli::add_identify_command, {"identify"}},
      {castor::cli::add_materials_commands, {"recipe", "eds"}},
      {castor::cli::add_xps_commands, {"xps"}},
      {castor::cli::add_xrd_commands, {"xrd"}},
  };
  std::string_view command;
  for (int k = 1; k < argc && command.empty(); ++k)
    if (argv[k][0] != '-') command = argv[k];
  const bool own_command = command == "info" || command == "convert" || command == "formats";
  bool known = own_command;
  for (const auto& g : groups)
    for (auto c : g.commands) known = known || c == command;
  // `castor --version` alone needs none of them (its flag is the application's own).
  bool version_only = false, help = false;
  for (int k = 1; k < argc; ++k) {
    const std::string_view a = argv[k];
    version_only = version_only || a == "--version";
    help = help || a == "--help" || a == "-h";
  }
  if (command.empty() && version_only && !help) known = true;
  for (const auto& g : groups) {
    bool wanted = !known;
    for (auto c : g.commands) wanted = wanted || c == command;
    if (wanted) g.add(app);
  }

  // Figure style for every command that draws: given after the command too (fallthrough).
  add_style_option<std::string>(
      app, "--style", [](const std::string& f, castor::report::Style& st) { st = castor::report::load_style(f, st); },
      "figure style file (TOML: width, height, dpi, font, font_size, line_width, colours, palette)")
      ->type_name("FILE");
  add_style_option<std::string>(
      app, "--size", [](const std::string& v, castor::report::Style& st) { castor::report::parse_size(v, st); },
      "figure size WxH: 16x10cm, 6x4in, 900x600 (px)")
      ->type_name("WxH");
  add_style_option<double>(
      app, "--dpi",
      [](const double& d, castor::report::Style& st) {
        if (!std::isfinite(d) || d < 30 || d > 2400) throw castor::Error("--dpi: give 30-2400");
        st.dpi = d;
      },
      "PNG resolution (PDF and SVG are vector)");
  add_style_option<double>(
      app, "--font-size",
      [](const double& pt, castor::report::Style& st) {
        if (!std::isfinite(pt) || pt < 4 || pt > 48) throw castor::Error("--font-size: give 4-48 pt");
        st.font_pt = pt;
      },
      "figure font size in pt");
  require_finite_options(&app);

  // Exit status: 0 success, 2 bad input (files, options, command line), 3 an internal error
  // (a defect in castor: please report it). CLI11's own codes (105-120) are mapped to 2.
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
      fmt::print(stderr, "castor: error: {}\n", e.what());
      fmt::print(stderr, "run 'castor --help' or 'castor COMMAND --help' for the options\n");
      return 2;
    }
    if (*info) return cmd_info(files, format, csv, strict);
    if (*convert) return cmd_convert(files, out, format, csv, common_only, strict);
    if (*formats && formats_markdown) {
      fmt::print("| format | kind | reads | checked against |\n| --- | --- | --- | --- |\n");
      for (const auto& f : castor::io::formats()) fmt::print("| `{}` | {} | {} | {} |\n", f.id, f.kind, f.description, f.checked);
      return 0;
    }
    if (*formats) {
      fmt::print("{:<14} {:<10} {}\n", "format", "kind", "reads (checked against)");
      for (const auto& f : castor::io::formats())
        fmt::print("{:<14} {:<10} {} (checked against {})\n", f.id, f.kind, f.description, f.checked);
      fmt::print("\nFormats are recognised by content; --format ID forces a cycler format.\n");
      return 0;
    }
  } catch (...) {
    // Every failure is a castor::Error of some kind (core/error.h), and its kind sets the status.
    const castor::Error e = castor::current_error();
    if (e.kind() == castor::ErrorKind::internal)
      fmt::print(stderr, "castor: {} (a defect in castor: please report it)\n", e.what());
    else
      fmt::print(stderr, "castor: error: {}\n", e.what());
    return e.exit_status();
  }
  return 0;
}
