// The format registry is the one source of castor's format list: `castor formats`, the
// README's table and --format all come from it, so they cannot drift apart.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>
#include <string>

#include "castor/core/error.h"
#include "castor/eis/read_impedance.h"
#include "castor/io/detect.h"
#include "test_data.h"

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(FormatRegistry, ReadmeTableIsTheRegistry) {
  const auto dir = castor::test::scratch_dir("format_registry");
  const auto out = dir / "formats.md";
  const std::string cmd = std::string(CASTOR_CLI) + " formats --markdown > '" + out.string() + "'";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
  const std::string table = slurp(out);
  ASSERT_GT(table.size(), 100u);
  const std::string readme = slurp(std::filesystem::path(CASTOR_FIXTURE_DIR) / ".." / ".." / "README.md");
  EXPECT_NE(readme.find(table), std::string::npos) << "README.md's format table differs from `castor formats --markdown`; paste this in:\n"
                                                   << table;
}

TEST(FormatRegistry, IdsAreUniqueAndCyclerIdsRoundTrip) {
  std::set<std::string> seen;
  for (const auto& f : castor::io::formats()) {
    EXPECT_TRUE(seen.insert(std::string(f.id)).second) << f.id;
    EXPECT_FALSE(f.description.empty()) << f.id;
    EXPECT_FALSE(f.checked.empty()) << f.id;
    if (f.table_format != castor::io::Format::unknown) {
      // Detection and reading come from the row itself.
      EXPECT_NE(f.sniff, nullptr) << f.id;
      EXPECT_NE(f.read, nullptr) << f.id;
      EXPECT_EQ(castor::io::format_info(f.table_format), &f) << f.id;
      EXPECT_EQ(castor::io::format_from_string(f.id), f.table_format);
      EXPECT_EQ(castor::io::to_string(f.table_format), f.id);
    }
  }
}

// Detection is the surest sniffer: magic bytes beat column words beat the extension.
TEST(FormatRegistry, SurestSnifferWins) {
  using castor::io::Format;
  auto detect = [](std::string text, const char* name) {
    const std::vector<std::uint8_t> b(text.begin(), text.end());
    return castor::io::detect_format(b, name);
  };
  EXPECT_EQ(detect("BIO-LOGIC MODULAR FILE\x1a", "x.csv"), Format::biologic_mpr);  // magic over extension
  EXPECT_EQ(detect("a,b\n1,2\n", "x.mpr"), Format::biologic_mpr);                  // extension only
  EXPECT_EQ(detect("mode\ttime/s\tEwe/V\n1\t0\t3\n", "x.csv"), Format::biologic_mpt);
  EXPECT_EQ(detect("mode;time/s;Ewe/V\n1;0;3\n", "x.txt"), Format::biologic_csv);
  EXPECT_EQ(detect("EXPLAIN\nTAG\tCV\n", "x.txt"), Format::gamry_dta);
  EXPECT_EQ(detect("a,b\n1,2\n", "x.csv"), Format::generic_csv);
  EXPECT_EQ(detect("a,b\n1,2\n", "x.dat"), Format::unknown);
}

// Every row of every kind carries its sniffer and the reader of its kind, so detection and
// reading of impedance, XPS, XRD and EDS files also come from the one table.
TEST(FormatRegistry, EveryRowHasSnifferAndReaderOfItsKind) {
  for (const auto& f : castor::io::formats()) {
    EXPECT_NE(f.sniff, nullptr) << f.id;
    const int readers =
        (f.read != nullptr) + (f.read_spectra != nullptr) + (f.read_xps != nullptr) + (f.read_pattern != nullptr) + (f.read_eds != nullptr);
    EXPECT_EQ(readers, 1) << f.id;
    EXPECT_EQ(f.read != nullptr, f.kind == "cycler") << f.id;
    EXPECT_EQ(f.read_spectra != nullptr, f.kind == "impedance") << f.id;
    EXPECT_EQ(f.read_xps != nullptr, f.kind == "xps") << f.id;
    EXPECT_EQ(f.read_pattern != nullptr, f.kind == "xrd") << f.id;
    EXPECT_EQ(f.read_eds != nullptr, f.kind == "eds") << f.id;
    EXPECT_EQ(castor::io::format_by_id(f.id), &f) << f.id;
  }
  EXPECT_EQ(castor::io::format_by_id("no-such-format"), nullptr);
}

// Real files of each kind are recognised as the row the README's table names for them.
TEST(FormatRegistry, RealFilesDetectedAsTheirRow) {
  using castor::test::data_file;
  using castor::test::fixture_file;
  struct Case {
    std::filesystem::path file;
    const char* kind;
    const char* id;
  };
  const Case cases[] = {
      {data_file("echem/impedance.py/exampleDataBioLogic.mpt"), "impedance", "biologic-eis"},
      {data_file("echem/impedance.py/exampleDataGamry.DTA"), "impedance", "gamry-zcurve"},
      {data_file("echem/impedance.py/exampleDataZPlot.z"), "impedance", "zplot"},
      {data_file("echem/impedance.py/exampleDataZPlot_noComments.z"), "impedance", "impedance-table"},
      {data_file("echem/impedance.py/exampleDataVersaStudio.par"), "impedance", "versastudio-par"},
      {data_file("echem/impedance.py/exampleDataCHInstruments.txt"), "impedance", "chi-impedance"},
      {data_file("echem/impedance.py/exampleDataParstat.txt"), "impedance", "impedance-table"},
      {data_file("echem/impedance.py/exampleData.csv"), "impedance", "fzz-table"},
      {fixture_file("pyimpspec/data.pssession"), "impedance", "palmsens-pssession"},
      {fixture_file("pyimpspec/data.idf"), "impedance", "ivium"},
      {fixture_file("pyimpspec/data.ids"), "impedance", "ivium"},
      {fixture_file("pyimpspec/data.dfr"), "impedance", "autolab-dfr"},
      {fixture_file("pyimpspec/data.i2b"), "impedance", "elchemea-i2b"},
      {fixture_file("pyimpspec/data.P00"), "impedance", "impedance-table"},
      {fixture_file("pyimpspec/data.dta"), "impedance", "gamry-zcurve"},
      {data_file("materials/pynxtools-xps/SnO2_10nm.spe"), "xps", "phi-spe"},
      {data_file("materials/pynxtools-xps/FeO_analyzed.vms"), "xps", "vamas"},
      {data_file("materials/xylib/specsxy_example.xy"), "xps", "specs-xy"},
      {data_file("materials/LG4X/PET_C1s.csv"), "xps", "xps-columns"},
      {data_file("materials/xylib/empyrean.xrdml"), "xrd", "xrdml"},
      {data_file("materials/GSAS-II/PBSO4.XRA"), "xrd", "gsas-std"},
      {data_file("materials/Dans_Diffraction/vesta_Rutile_xray.txt"), "xrd", "xrd-xy"},
  };
  for (const auto& c : cases) {
    const std::string bytes = slurp(c.file);
    ASSERT_FALSE(bytes.empty()) << c.file;
    const auto* row = castor::io::detect_of_kind(c.kind, castor::io::make_file_head(bytes, c.file));
    ASSERT_NE(row, nullptr) << c.file;
    EXPECT_EQ(row->id, c.id) << c.file;
  }
}

// A cycler file given to castor eis is named as what it is, not "not an impedance file".
TEST(FormatRegistry, CyclerFileGivenToEisIsNamed) {
  const auto gamry_cv = castor::test::data_file("echem/voltcycle/20mM_DFCA_1M_KOH_50mVs_0.5step.DTA.txt");
  try {
    (void)castor::eis::read_impedance(gamry_cv);
    FAIL() << "a Gamry CV file read as impedance";
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gamry-dta file without impedance data"), std::string::npos) << e.what();
  }
}
