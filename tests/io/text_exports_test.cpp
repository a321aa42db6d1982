// Text exports other than .mpt and Maccor (SOURCES.md §3-§7): Neware BTSDA CSV (cellpy),
// EC-Lab CSV (beep), Basytec (PyProBE), converted Landt CSV (battery-data-format) and
// datalab's BDF CSV, plus the generic CSV mapping on files written here.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/column_names.h"
#include "castor/io/detect.h"
#include "castor/io/generic_csv.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::StepKind;
using castor::test::data_file;
namespace col = castor::col;
namespace io = castor::io;

namespace {
std::map<StepKind, std::size_t> kind_counts(const castor::Table& t) {
  std::map<StepKind, std::size_t> n;
  for (double k : t.values(col::step_kind)) ++n[static_cast<StepKind>(static_cast<int>(k))];
  return n;
}
}  // namespace

TEST(ColumnNames, SplitsStemAndUnit) {
  auto check = [](const char* name, const char* stem, const char* unit) {
    const auto nu = io::split_name_unit(name);
    EXPECT_EQ(nu.stem, stem) << name;
    EXPECT_EQ(nu.unit, unit) << name;
  };
  check("Voltage / V", "voltage", "V");
  check("Current(mA)", "current", "mA");
  check("U[V]", "u", "V");
  check("test_time_s", "test time", "s");
  check("cycle_index", "cycle index", "");
  check("Cycle Count / 1", "cycle count", "1");
  check("Ecell/V", "ecell", "V");
  check("Q charge/mA.h", "q charge", "mA.h");
  check("DChg. Cap.(Ah)", "dchg cap", "Ah");
  check("Re(Z)", "re(z)", "");
}

TEST(ColumnNames, UnitFactors) {
  EXPECT_DOUBLE_EQ(*io::unit_factor("mA", "A"), 1e-3);
  EXPECT_DOUBLE_EQ(*io::unit_factor("Ah", "mAh"), 1000.0);
  EXPECT_DOUBLE_EQ(*io::unit_factor("mA.h", "mAh"), 1.0);
  EXPECT_DOUBLE_EQ(*io::unit_factor("h", "s"), 3600.0);
  EXPECT_DOUBLE_EQ(*io::unit_factor("C", "mAh"), 1 / 3.6);  // coulomb as a charge ...
  EXPECT_DOUBLE_EQ(*io::unit_factor("C",
                                    "\xc2\xb0"
                                    "C"),
                   1.0);  // ... and Celsius as a temperature
  EXPECT_FALSE(io::unit_factor("mA", "V").has_value());
  EXPECT_FALSE(io::unit_factor("mAh/g", "mAh").has_value());
}

TEST(StepKindLabels, VendorLabels) {
  EXPECT_EQ(castor::step_kind_from_label("CC Chg"), StepKind::cc_charge);
  EXPECT_EQ(castor::step_kind_from_label("CC_DChg"), StepKind::cc_discharge);
  EXPECT_EQ(castor::step_kind_from_label("CCCV Chg"), StepKind::cccv_charge);
  EXPECT_EQ(castor::step_kind_from_label("CV DChg"), StepKind::cv_discharge);
  EXPECT_EQ(castor::step_kind_from_label("Rest"), StepKind::rest);
  EXPECT_EQ(castor::step_kind_from_label("discharge CC"), StepKind::cc_discharge);
  EXPECT_EQ(castor::step_kind_from_label("charge CV"), StepKind::cv_charge);
  EXPECT_EQ(castor::step_kind_from_label("Pause"), StepKind::rest);
  EXPECT_EQ(castor::step_kind_from_label("Discharge"), StepKind::cc_discharge);
  EXPECT_EQ(castor::step_kind_from_label("EIS"), StepKind::impedance);
  EXPECT_EQ(castor::step_kind_from_label("Loop"), StepKind::other);
  EXPECT_EQ(castor::step_kind_from_label(""), StepKind::unknown);
}

TEST(DetectFormat, TextExports) {
  EXPECT_EQ(io::detect_format(data_file("cycler/cellpy/neware_uio.csv")), io::Format::neware_csv);
  EXPECT_EQ(io::detect_format(data_file("cycler/beep/test_loopsnewoutput_MB_CE1_short10k.csv")), io::Format::biologic_csv);
  EXPECT_EQ(io::detect_format(data_file("cycler/PyProBE/sample_data_basytec.txt")), io::Format::basytec_txt);
  EXPECT_EQ(io::detect_format(data_file("cycler/battery-data-format/SINTEF__LiGrR2032__2024-04-30__25degC__Landt.csv")),
            io::Format::generic_csv);
  EXPECT_EQ(io::detect_format(data_file("cycler/datalab/arbin_example.bdf.csv")), io::Format::generic_csv);
}

// cellpy golden loader_neware_txt: 9065 rows; SOURCES.md [verified]: Step Type counts,
// active mass 2.0800 mg implied by Spec. Cap.
TEST(NewareCsv, CellpyBtsdaExport) {
  const castor::Table t = io::read_table(data_file("cycler/cellpy/neware_uio.csv"));
  EXPECT_EQ(t.meta.format, "neware-csv");
  ASSERT_EQ(t.rows(), 9065u);
  ASSERT_TRUE(t.meta.active_mass_g.has_value());
  EXPECT_NEAR(*t.meta.active_mass_g * 1e3, 2.0800, 5e-4);
  const auto n = kind_counts(t);
  EXPECT_EQ(n.at(StepKind::rest), 989u);
  EXPECT_EQ(n.at(StepKind::cc_discharge), 4667u);
  EXPECT_EQ(n.at(StepKind::cc_charge), 3409u);
  const auto s = castor::summarize(t);
  EXPECT_EQ(*s.n_cycles, 4u);
  // Last row: Cumulative Time 144:02:18, step time 01:27:00, Chg. Cap. 0.00143796 Ah.
  EXPECT_DOUBLE_EQ(t.values(col::time_s).back(), 144 * 3600 + 2 * 60 + 18);
  EXPECT_DOUBLE_EQ(t.values(col::step_time_s).back(), 3600 + 27 * 60);
  EXPECT_NEAR(t.values(col::charge_capacity_mAh).back(), 1.43796, 1e-9);
  EXPECT_EQ(t.meta.start_time, "2022-05-18T16:27:52");
  // The sign convention holds: discharge rows negative, charge rows positive.
  const auto& i = t.values(col::current_A);
  const auto& k = t.values(col::step_kind);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto kind = static_cast<StepKind>(static_cast<int>(k[r]));
    if (castor::is_discharge(kind)) {
      ASSERT_LT(i[r], 0) << r;
    }
    if (castor::is_charge(kind)) {
      ASSERT_GT(i[r], 0) << r;
    }
  }
}

// beep TestBioLogicDatapath.test_from_csv [asserted]: cycle 0 (beep) = cycle_index 1 here
// charge 1.4618750 Ah, discharge 2.324598 Ah; test_time max 102040.77 s.
TEST(BiologicCsv, BeepSemicolonExportWithDates) {
  const castor::Table t = io::read_table(data_file("cycler/beep/test_loopsnewoutput_MB_CE1_short10k.csv"));
  EXPECT_EQ(t.meta.format, "biologic-csv");
  ASSERT_EQ(t.rows(), 9999u);
  EXPECT_EQ(t.meta.start_time, "2021-05-05T15:36:22.757000");
  const auto& time = t.values(col::time_s);
  EXPECT_EQ(time.front(), 0.0);
  EXPECT_NEAR(*std::max_element(time.begin(), time.end()), 102040.77, 1e-3);
  ASSERT_NE(t.find_text("time/s (date)"), nullptr);
  const auto& qc = t.values("Q charge/mA.h");
  const auto& qd = t.values("Q discharge/mA.h");
  const auto& ci = t.values("cycle_index");
  double qc1 = 0, qd1 = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (ci[r] == 1) qc1 = std::max(qc1, qc[r]), qd1 = std::max(qd1, qd[r]);
  EXPECT_NEAR(qc1 / 1000, 1.4618750, 5e-7);
  EXPECT_NEAR(qd1 / 1000, 2.324598, 5e-7);
  // I/mA became amperes.
  EXPECT_NEAR(t.values(col::current_A)[1], 2.49326220703125, 1e-12);
}

// PyProBE tests/cyclers/test_basytec.py [asserted] last row.
TEST(BasytecTxt, PyProBELastRow) {
  const castor::Table t = io::read_table(data_file("cycler/PyProBE/sample_data_basytec.txt"));
  EXPECT_EQ(t.meta.format, "basytec-txt");
  ASSERT_EQ(t.rows(), 74u);
  EXPECT_EQ(t.meta.start_time, "2023-06-19T17:56:53");
  EXPECT_NEAR(t.values(col::time_s).back(), 70.235804, 1e-6);
  EXPECT_NEAR(t.values(col::current_A).back(), 0.449602, 1e-6);
  EXPECT_NEAR(t.values(col::voltage_V).back(), 3.53285, 1e-5);
  EXPECT_NEAR(t.values("Ah[Ah]").back(), 0.001248916998009, 1e-15);
  EXPECT_EQ(t.values(col::step).back(), 4.0);
  EXPECT_NEAR(t.values(col::temperature_C).back(), 25.47953, 1e-5);
  EXPECT_EQ(static_cast<StepKind>(static_cast<int>(t.values(col::step_kind).back())), StepKind::cc_charge);
  EXPECT_EQ(static_cast<StepKind>(static_cast<int>(t.values(col::step_kind).front())), StepKind::rest);
}

// SOURCES.md §7 [verified]: 25162 rows; rest 2881 rows, discharge CC 13164 + 2700 rows,
// charge CC 6417 rows; 6-line preamble; names castor's own (voltage_V, current_A).
TEST(GenericCsv, ConvertedLandtFile) {
  const castor::Table t = io::read_table(data_file("cycler/battery-data-format/SINTEF__LiGrR2032__2024-04-30__25degC__Landt.csv"));
  ASSERT_EQ(t.rows(), 25162u);
  const auto n = kind_counts(t);
  EXPECT_EQ(n.at(StepKind::rest), 2881u);
  EXPECT_EQ(n.at(StepKind::cc_discharge), 13164u + 2700u);
  EXPECT_EQ(n.at(StepKind::cc_charge), 6417u);
  EXPECT_EQ(t.meta.start_time, "2024-04-30T14:33:19");
  EXPECT_NEAR(t.values(col::time_s).back(), 262657.764, 1e-9);
  EXPECT_NEAR(t.values(col::voltage_V).back(), 0.1086, 1e-12);
  EXPECT_NEAR(t.values(col::discharge_capacity_mAh).back(), 1.3, 1e-9);  // 0.0013 Ah
  EXPECT_TRUE(t.meta.extra.count("cell model"));
}

// datalab's BDF CSV of navani's arbin_example.res: the BDF columns ("Test Time / s",
// "Voltage / V") win over the raw Arbin ones and agree with the .res row by row.
TEST(GenericCsv, DatalabBdfMatchesArbinRes) {
  const castor::Table csv = io::read_table(data_file("cycler/datalab/arbin_example.bdf.csv"));
  const castor::Table res = io::read_table(data_file("cycler/navani/arbin_example.res"));
  ASSERT_EQ(csv.rows(), res.rows());
  EXPECT_EQ(csv.find(col::time_s)->source_name, "Test Time / s");
  for (std::size_t r = 0; r < csv.rows(); ++r) {
    ASSERT_NEAR(csv.values(col::time_s)[r], res.values(col::time_s)[r], 1e-9 * res.values(col::time_s)[r] + 1e-9) << r;
    ASSERT_NEAR(csv.values(col::voltage_V)[r], res.values(col::voltage_V)[r], 1e-6) << r;
  }
  // The capacity without a unit in its name (Arbin's Charge_Capacity, in Ah) is not
  // guessed; the BDF column with its unit is used instead.
  EXPECT_EQ(csv.find(col::charge_capacity_mAh)->source_name, "Charging Capacity / Ah");
}

TEST(GenericCsv, ExplicitMappingPreambleAndDecimalComma) {
  const auto dir = castor::test::scratch_dir("generic_csv");
  const auto path = dir / "lab.csv";
  {
    std::ofstream out(path);
    out << "Operator: ada\nSample: NTP-3\n\n"
        << "Elapsed;E;I;Q;Label\n"
        << "0,0;3,10;0,0;0,0;rest\n"
        << "60,0;3,20;1,5;0,025;charge\n"
        << "120,0;3,30;1,5;0,05;charge\n";
  }
  io::ReadOptions ro;
  ro.format = io::Format::generic_csv;
  ro.csv.mapping.explicit_sources = {
      {"time_s", "Elapsed"}, {"voltage_V", "E"}, {"current_A", "I|mA"}, {"charge_capacity_mAh", "Q|mAh"}, {"step_kind", "Label"}};
  const castor::Table t = io::read_table(path, ro);
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.meta.extra.at("Operator"), "ada");
  EXPECT_DOUBLE_EQ(t.values(col::voltage_V)[2], 3.30);
  EXPECT_DOUBLE_EQ(t.values(col::current_A)[1], 1.5e-3);
  EXPECT_DOUBLE_EQ(t.values(col::charge_capacity_mAh)[2], 0.05);
  EXPECT_EQ(t.values(col::step_kind)[1], static_cast<double>(StepKind::cc_charge));
  EXPECT_TRUE(t.meta.extra.at("assumed_units").find("Elapsed in s") != std::string::npos);

  // A mapping to a column the file lacks names the column and lists the ones it has.
  ro.csv.mapping.explicit_sources = {{"current_A", "Current"}};
  try {
    (void)io::read_table(path, ro);
    FAIL() << "expected an error";
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'Current'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Elapsed"), std::string::npos) << e.what();
  }
  ro.csv.mapping.explicit_sources = {{"current_A", "I|mV"}};
  EXPECT_THROW((void)io::read_table(path, ro), castor::Error);
}

TEST(GenericCsv, BadInputGivesErrors) {
  const auto dir = castor::test::scratch_dir("generic_csv_bad");
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  io::ReadOptions ro;
  ro.format = io::Format::generic_csv;
  EXPECT_THROW((void)io::read_table(write("empty.csv", ""), ro), castor::Error);
  EXPECT_THROW((void)io::read_table(write("prose.csv", "just some words\nand more words\n"), ro), castor::Error);
  try {
    (void)io::read_table(write("short.csv", "time_s,voltage_V,current_A\n0,3.1,0.001\n1,3.2\n"), ro);
    FAIL() << "expected an error";
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("short.csv"), std::string::npos) << e.what();
  }
  // Truncated copy of a real export: the last line is cut mid-row.
  const auto bytes = castor::test::file_bytes(data_file("cycler/cellpy/neware_uio.csv"));
  const auto cut = dir / "neware_cut.csv";
  castor::test::write_bytes(cut, bytes, bytes.size() / 2);
  EXPECT_THROW((void)io::read_table(cut), castor::Error);
}
