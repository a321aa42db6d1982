// castor's own table files (HDF5, JSON) and the BDF CSV: what a reader gives survives the
// round trip, and damaged or foreign files are refused with the file named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/io/castor_table.h"
#include "castor/io/read.h"
#include "castor/io/write_table.h"
#include "test_data.h"

namespace {

using castor::Table;
namespace io = castor::io;

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void expect_same_table(const Table& a, const Table& b, const std::string& what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.columns().size(), b.columns().size()) << what;
  for (const auto& x : a.columns()) {
    const castor::Column* found = b.find(x.name);
    ASSERT_NE(found, nullptr) << what << ": " << x.name << " is lost";
    const auto& y = *found;
    EXPECT_EQ(x.unit, y.unit) << what << " " << x.name;
    EXPECT_EQ(x.source_name, y.source_name) << what << " " << x.name;
    EXPECT_EQ(x.role, y.role) << what << " " << x.name;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < x.values.size(); ++i) differ += !same_number(x.values[i], y.values[i]);
    EXPECT_EQ(differ, 0u) << what << " " << x.name;
  }
  ASSERT_EQ(a.text_columns().size(), b.text_columns().size()) << what;
  for (std::size_t k = 0; k < a.text_columns().size(); ++k) {
    EXPECT_EQ(a.text_columns()[k].name, b.text_columns()[k].name) << what;
    EXPECT_EQ(a.text_columns()[k].values, b.text_columns()[k].values) << what;
  }
  EXPECT_EQ(a.meta.warnings, b.meta.warnings) << what;
  EXPECT_EQ(a.meta.not_read, b.meta.not_read) << what;
  EXPECT_EQ(a.meta.instrument, b.meta.instrument) << what;
  EXPECT_EQ(a.meta.start_time, b.meta.start_time) << what;
  EXPECT_EQ(a.meta.active_mass_g, b.meta.active_mass_g) << what;
  for (const auto& [k, v] : a.meta.extra) EXPECT_EQ(b.meta.extra.count(k) ? b.meta.extra.at(k) : "(missing)", v) << what << " " << k;
}

// JSON writes +-inf as null: compare after mapping them to NaN.
Table without_infinities(Table t) {
  for (auto& c : t.columns())
    for (double& v : c.values)
      if (std::isinf(v)) v = std::nan("");
  return t;
}

}  // namespace

TEST(CastorTable, HdfAndJsonRoundTripOfRealTables) {
  const auto dir = castor::test::scratch_dir("castor_table_round_trip");
  for (const char* rel :
       {"cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr", "cycler/NewareNDA/test_2.ndax", "cycler/cellpy/neware_uio.csv",
        "cycler/cellpy/20160805_test001_45_cc_01.res", "cycler/yadg/wait.mpr", "cycler/PyProBE/Sample_data_biologic_CA1.txt"}) {
    const Table t = io::read_table(castor::test::data_file(rel));
    const auto h5 = dir / "t.h5";
    io::write_table(t, h5);
    EXPECT_EQ(io::detect_format(h5), io::Format::castor_hdf5);
    const Table back = io::read_table(h5);
    EXPECT_EQ(back.meta.format, "castor-hdf5");
    EXPECT_EQ(back.meta.extra.at("castor.source_format"), t.meta.format);
    expect_same_table(t, back, std::string(rel) + " (HDF5)");
    const auto js = dir / "t.json";
    io::write_table(t, js);
    EXPECT_EQ(io::detect_format(js), io::Format::castor_json);
    expect_same_table(without_infinities(t), io::read_table(js), std::string(rel) + " (JSON)");
  }
}

TEST(CastorTable, ColumnNamesWithSlashesAndTwinsKeepTheirNames) {
  Table t;
  t.add("time_s", "s", "t", castor::ColumnRole::Common, {0, 1, 2});
  t.add("Ewe/V", "V", "Ewe/V", castor::ColumnRole::Raw, {1, 2, 3});
  t.add("Ewe_V", "V", "Ewe_V", castor::ColumnRole::Raw, {4, 5, 6});
  t.add(".", "", ".", castor::ColumnRole::Raw, {7, 8, std::nan("")});
  t.add_text({"state/label",
              "state/label",
              {"a", "",
               "\xc2\xb0"
               "C"}});
  t.meta.extra["key with / slash"] = "v";
  const auto p = castor::test::scratch_dir("castor_table_names") / "names.h5";
  io::write_hdf5(t, p);
  expect_same_table(t, io::read_castor_hdf5(p), "names");
}

TEST(CastorTable, BdfCsvRoundTripGivesTheSameCyclingNumbers) {
  const auto src = castor::test::data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr");
  const Table t = io::read_table(src);
  const auto p = castor::test::scratch_dir("castor_table_bdf") / "nacoo2.bdf.csv";
  io::write_table(t, p);
  std::ifstream in(p);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("Test Time / s,Voltage / V,Current / A,Cycle Count / 1,Step Count / 1,Net Capacity / Ah,", 0), 0u) << header;
  const Table back = io::read_table(p);
  EXPECT_EQ(back.meta.format, "csv");
  ASSERT_EQ(back.rows(), t.rows());
  castor::cycling::CyclingOptions o;
  o.mass = castor::cycling::ActiveMass::given_mg(7);
  const auto a = castor::cycling::analyse_cycling(t, o), b = castor::cycling::analyse_cycling(back, o);
  ASSERT_EQ(a.cycles.size(), b.cycles.size());
  // The BDF names no per-step counter castor can place, so its capacities are the integral
  // of the current where the .mpr's come from EC-Lab's own counters: within 1e-5, not exact.
  for (std::size_t k = 0; k < a.cycles.size(); ++k) {
    EXPECT_NEAR(a.cycles[k].discharge_mAh, b.cycles[k].discharge_mAh, 1e-5 * a.cycles[k].discharge_mAh) << k;
    if (std::isfinite(a.cycles[k].coulombic_efficiency)) {
      EXPECT_NEAR(a.cycles[k].coulombic_efficiency, b.cycles[k].coulombic_efficiency, 1e-5) << k;
    }
  }
  // BDF's step count never resets and grows by one at each step.
  const auto& steps = back.values(castor::col::step);
  EXPECT_EQ(steps.front(), 1.0);
  for (std::size_t i = 1; i < steps.size(); ++i) ASSERT_TRUE(steps[i] == steps[i - 1] || steps[i] == steps[i - 1] + 1) << i;
}

TEST(CastorTable, BdfImpedanceSignIsAsReported) {
  const Table t = io::read_table(castor::test::data_file("cycler/yadg/peis.mpr"));
  std::ostringstream out;
  io::write_bdf_csv(t, out);
  const std::string s = out.str();
  const auto header = s.substr(0, s.find('\n'));
  ASSERT_NE(header.find("Imaginary Impedance / ohm"), std::string::npos) << header;
  // First point: -Im(Z) = 0.73047662 Ohm (SOURCES.md), so BDF's imaginary part is -0.7305.
  std::istringstream rows(s);
  std::string line;
  std::getline(rows, line);
  std::getline(rows, line);
  std::vector<std::string> names, fields;
  std::stringstream h(header), f(line);
  for (std::string x; std::getline(h, x, ',');) names.push_back(x);
  for (std::string x; std::getline(f, x, ',');) fields.push_back(x);
  const auto k = std::find(names.begin(), names.end(), "Imaginary Impedance / ohm") - names.begin();
  EXPECT_NEAR(std::stod(fields.at(std::size_t(k))), -0.73047662, 1e-6);
}

TEST(CastorTable, DamagedAndForeignFilesAreRefusedWithTheFileNamed) {
  const auto dir = castor::test::scratch_dir("castor_table_damaged");
  const Table t = io::read_table(castor::test::data_file("cycler/NewareNDA/test_2.ndax"));
  io::write_table(t, dir / "good.h5");
  const auto bytes = castor::test::file_bytes(dir / "good.h5");
  castor::test::write_bytes(dir / "cut.h5", bytes, bytes.size() / 3);
  auto refuses = [](const std::filesystem::path& p, const std::string& words) {
    try {
      io::read_table(p);
      ADD_FAILURE() << p << " was read";
    } catch (const castor::Error& e) {
      EXPECT_EQ(e.file(), p.string());
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refuses(dir / "cut.h5", "HDF5");
  io::write_table(t, dir / "good.json");
  std::ifstream in(dir / "good.json");
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  castor::test::write_bytes(dir / "cut.json", std::vector<std::uint8_t>(json.begin(), json.end()), json.size() / 2);
  refuses(dir / "cut.json", "not valid JSON");
  std::string shorter = json;
  shorter.replace(shorter.find("\"rows\": "), 8, "\"rows\": 1");  // rows 1xxxxx: the columns hold fewer
  castor::test::write_bytes(dir / "rows.json", std::vector<std::uint8_t>(shorter.begin(), shorter.end()), shorter.size());
  refuses(dir / "rows.json", "values for");
  EXPECT_THROW(io::write_table(t, dir / "no-such-folder" / "x.h5"), castor::Error);
  EXPECT_THROW(io::write_table(t, dir / "x.parquet"), castor::Error);
}
