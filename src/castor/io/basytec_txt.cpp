#include "castor/io/basytec_txt.h"

#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/io/column_names.h"
#include "castor/io/file.h"
#include "castor/io/generic_csv.h"
#include "castor/io/detail/text.h"

namespace castor::io {

Table read_basytec_txt(const std::filesystem::path& path) {
  const std::string file = path.string();
  const auto bytes = read_file_bytes(path, "Basytec text export");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto lines = split_lines(text);
  Table t;
  t.meta.source_file = file;
  t.meta.format = "basytec-txt";
  t.meta.instrument = "Basytec";
  if (lines.empty() || !trim(lines[0]).starts_with("~Resultfile from Basytec"))
    throw Error(file, t.meta.format, "first line is not '~Resultfile from Basytec ...'").at_line(1);
  std::size_t names_line = 0;
  while (names_line < lines.size() && lines[names_line].starts_with("~")) ++names_line;
  if (names_line < 2) throw Error(file, t.meta.format, "no column-name line after the '~' header");
  --names_line;  // the last '~' line holds the column names
  if (lines[names_line].find('\t') == std::string_view::npos)
    throw Error(file, t.meta.format, "the last '~' header line holds no tab-separated column names").at_line(names_line + 1);
  for (std::size_t i = 0; i < names_line; ++i) {
    const std::string l = to_utf8(trim(lines[i].substr(1)));
    const auto colon = l.find(':');
    if (colon == std::string::npos) continue;
    const std::string key(trim(std::string_view(l).substr(0, colon)));
    const std::string value(trim(std::string_view(l).substr(colon + 1)));
    if (key == "Start of Test") {
      if (auto s = parse_datetime_s(value)) set_start_time(t.meta, *s, "'Start of Test' line");
    } else if (key == "Testchannel") {
      t.meta.instrument = "Basytec " + value;
    } else if (key == "Testplan") {
      t.meta.technique = "test plan " + value;
    } else if (!value.empty()) {
      t.meta.extra["basytec." + key] = value;
    }
  }
  lines[names_line] = lines[names_line].substr(1);
  parse_named_rows(lines, names_line, '\t', t);
  // "Line" is the test-plan line (castor's step); "Command" (Pause, Charge, Discharge)
  // the step label.
  ColumnMapping m;
  if (t.find_text("Command")) m.explicit_sources["step_kind"] = "Command";
  add_common_columns_by_name(t, m);
  if (!t.has("time_s") || !t.has("voltage_V") || !t.has("current_A")) throw Error(file, t.meta.format, "no Time[s], U[V] or I[A] column");
  return t;
}

}  // namespace castor::io
