// Formula parser, molar mass and theoretical capacity (paper.md: NaTi2(PO4)3 403.63 g/mol,
// 132.8 mAh/g for one Ca2+, 53.4 mAh/g -> 0.40 Ca, 40.6 mAh/g -> 0.31 Ca).
#include <gtest/gtest.h>

#include "castor/chem/formula.h"
#include "castor/core/error.h"

namespace chem = castor::chem;

TEST(Formula, NaTi2PO43FromThePaper) {
  const auto f = chem::parse_formula("NaTi2(PO4)3");
  EXPECT_DOUBLE_EQ(f.elements.at("Na"), 1);
  EXPECT_DOUBLE_EQ(f.elements.at("Ti"), 2);
  EXPECT_DOUBLE_EQ(f.elements.at("P"), 3);
  EXPECT_DOUBLE_EQ(f.elements.at("O"), 12);
  EXPECT_NEAR(f.molar_mass_g_mol, 403.63, 0.005);
  const double qth = chem::theoretical_capacity_mAh_g(f.molar_mass_g_mol, 2 * 1);
  EXPECT_NEAR(qth, 132.8, 0.05);
  const int z = chem::ion_charge("Ca");
  EXPECT_EQ(z, 2);
  EXPECT_NEAR(chem::ions_per_formula_unit(53.4, f.molar_mass_g_mol, z), 0.40, 0.005);
  EXPECT_NEAR(chem::ions_per_formula_unit(40.6, f.molar_mass_g_mol, z), 0.31, 0.005);
}

TEST(Formula, HydratesFractionsAndBrackets) {
  // CuSO4·5H2O: 249.68 g/mol (63.546 + 32.06 + 9 x 15.999 + 10 x 1.008).
  const auto h = chem::parse_formula(
      "CuSO4\xc2\xb7"
      "5H2O");
  EXPECT_DOUBLE_EQ(h.elements.at("H"), 10);
  EXPECT_DOUBLE_EQ(h.elements.at("O"), 9);
  EXPECT_NEAR(h.molar_mass_g_mol, 249.68, 0.01);
  EXPECT_NEAR(chem::parse_formula("CuSO4*5H2O").molar_mass_g_mol, h.molar_mass_g_mol, 1e-12);
  // '.' between digits is a decimal point ("Li0.5CoO2"), so "CuSO4.5H2O" means O4.5; a
  // '.' before a letter separates an adduct.
  EXPECT_DOUBLE_EQ(chem::parse_formula("CuSO4.5H2O").elements.at("O"), 5.5);
  EXPECT_NEAR(chem::parse_formula("CaSO4*2H2O").molar_mass_g_mol, 172.17, 0.01);
  EXPECT_NEAR(chem::parse_formula("CaSO4.H2O").molar_mass_g_mol, 154.15, 0.01);
  // LiNi0.8Mn0.1Co0.1O2 (NMC811): 97.28 g/mol; 275 mAh/g for one Li.
  const auto nmc = chem::parse_formula("LiNi0.8Mn0.1Co0.1O2");
  EXPECT_DOUBLE_EQ(nmc.elements.at("Ni"), 0.8);
  EXPECT_NEAR(nmc.molar_mass_g_mol, 97.28, 0.01);
  EXPECT_NEAR(chem::theoretical_capacity_mAh_g(nmc.molar_mass_g_mol, 1), 275.5, 0.1);
  // Nested groups: Ca3(PO4)2 and K4[Fe(CN)6].
  EXPECT_NEAR(chem::parse_formula("Ca3(PO4)2").molar_mass_g_mol, 310.17, 0.01);
  EXPECT_DOUBLE_EQ(chem::parse_formula("K4[Fe(CN)6]").elements.at("N"), 6);
  // LiFePO4 170 mAh/g.
  EXPECT_NEAR(chem::theoretical_capacity_mAh_g(chem::parse_formula("LiFePO4").molar_mass_g_mol, 1), 169.9, 0.1);
}

TEST(Formula, BadFormulasNameTheProblem) {
  for (const char* bad : {"", "NaTi2(PO4", "Xx2O", "NaTi2)PO4(", "na2O", "Li2O$"}) {
    try {
      (void)chem::parse_formula(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const castor::Error& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
    }
  }
  EXPECT_THROW((void)chem::ion_charge("Xe"), castor::Error);
}
