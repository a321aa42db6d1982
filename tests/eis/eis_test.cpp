// Impedance: readers for impedance.py's nine instrument formats, circuit strings and
// their derivatives, fits against impedance.py's published values (SOURCES.md), Lin-KK.
#include <gtest/gtest.h>

#include <cmath>

#include "castor/core/error.h"
#include "castor/eis/circuit.h"
#include "castor/eis/fit.h"
#include "castor/eis/read_impedance.h"
#include "test_data.h"

using castor::test::data_file;
namespace eis = castor::eis;

namespace {
eis::Spectrum one(const char* f) {
  auto v = eis::read_impedance(data_file(std::string("echem/") + f));
  EXPECT_EQ(v.size(), 1u) << f;
  return v.front();
}
}  // namespace

TEST(EisRead, InstrumentFormats) {
  struct Case { const char* file; std::size_t n; double f0, re0, im0; };
  // Point counts from SOURCES.md; first points read off the files (Z'' signed).
  for (const Case& c : {Case{"impedance.py/exampleData.csv", 66, 3.1623e-3, 4.949989776405060160e-02, -2.043869854441892481e-02},
                        Case{"impedance.py/Circuit3_EIS_1.z", 53, 1.5e5, 1.4937e3, 1.0377e1},
                        Case{"impedance.py/exampleDataBioLogic.mpt", 43, 0, 65.47, -0.390},
                        Case{"impedance.py/exampleDataGamry.DTA", 72, 200015.6, 825.8584, -1367.239},
                        Case{"impedance.py/exampleDataAutolab.txt", 41, 10000, 0.013785863964281, 0.007191946305823},
                        Case{"impedance.py/exampleDataParstat.txt", 31, 0, 0, 0},
                        Case{"impedance.py/exampleDataCHInstruments.txt", 73, 9.961e4, 9.891e1, -2.748},
                        Case{"impedance.py/exampleDataVersaStudio.par", 61, 100000, 55.31571, 4.575431},
                        Case{"impedance.py/exampleDataPowersuite.txt", 30, 0.1, 423929.46, -49014.063},
                        Case{"impedance.py/exampleDataZPlot_noComments.z", 0, 3.0e5, 6.4262E+02, -8.5821E+01},
                        Case{"pyDRTtools/LIB_data.txt", 107, 999.040405, 0.112362966, 0.00318273902},
                        Case{"pyDRTtools/data_1.csv", 107, 999.040405, 0.109963283, 0.003569859}}) {
    const auto s = one(c.file);
    if (c.n) { EXPECT_EQ(s.size(), c.n) << c.file; }
    ASSERT_GT(s.size(), 0u) << c.file;
    if (c.f0 > 0) { EXPECT_NEAR(s.freq_Hz[0], c.f0, 1e-6 * c.f0) << c.file; }
    if (c.re0 != 0) { EXPECT_NEAR(s.z_ohm[0].real(), c.re0, 1e-3 * std::fabs(c.re0)) << c.file; }
    if (c.im0 != 0) { EXPECT_NEAR(s.z_ohm[0].imag(), c.im0, 1e-3 * std::fabs(c.im0)) << c.file; }
  }
  // An aborted Gamry run reads as the prefix of the complete one.
  const auto full = one("impedance.py/exampleDataGamry.DTA");
  const auto cut = one("impedance.py/exampleDataGamryABORT.DTA");
  ASSERT_GT(cut.size(), 0u);
  ASSERT_LE(cut.size(), full.size());  // 72 points each: the run aborted after its last point
  for (std::size_t i = 0; i < cut.size(); ++i) {
    EXPECT_EQ(cut.freq_Hz[i], full.freq_Hz[i]);
    EXPECT_EQ(cut.z_ohm[i], full.z_ohm[i]);
  }
  // The BioLogic file whose header lost the freq/Hz name is rejected: its rows hold one
  // field more than the header names (impedance.py reports "freq/Hz not found").
  try {
    (void)eis::read_impedance(data_file("echem/impedance.py/exampleDataBioLogic_MissingFreq.mpt"));
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("MissingFreq.mpt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 62"), std::string::npos) << e.what();
  }
  // A table with no impedance columns says which one is missing.
  try {
    (void)eis::read_impedance(data_file("cycler/yadg/cp.mpt"));
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("freq/Hz"), std::string::npos) << e.what();
  }
  // The 61-spectrum GEIS series.
  EXPECT_EQ(eis::read_impedance(data_file("echem/biologic-converter/geis.mpt")).size(), 61u);
}
