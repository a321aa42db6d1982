// Chemical formulas: parsing, molar mass, theoretical capacity of an insertion electrode.
//
// Grammar: element symbols with optional amounts ("Li0.5CoO2"), groups in () or [] with a
// multiplier ("NaTi2(PO4)3"), hydrates and adducts after '·', '*' or '.' with an optional
// leading count ("CuSO4·5H2O", "CaCl2*2H2O"). A '.' between digits is a decimal point
// ("Li0.5CoO2"), so write hydrates with '·' or '*'; "CaSO4.H2O" (a '.' before a letter)
// also works. Atomic weights are IUPAC 2021 standard
// (abridged conventional values); elements without a stable isotope use the mass number of
// their longest-lived isotope.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace castor::chem {

// Standard atomic weight of an element symbol ("Ti") in g/mol; throws castor::Error for an
// unknown symbol.
double atomic_weight(std::string_view symbol);

struct Formula {
  std::string text;                        // as given
  std::map<std::string, double> elements;  // symbol -> amount per formula unit
  double molar_mass_g_mol = 0;
};

// Parses a formula; throws castor::Error naming the position of the problem.
Formula parse_formula(std::string_view text);

// Theoretical specific capacity for n electrons per formula unit: n F / (3.6 M), mAh/g.
double theoretical_capacity_mAh_g(double molar_mass_g_mol, double electrons_per_formula_unit);

// Ions of charge z per formula unit that a specific capacity corresponds to:
// x = Q / (z F / (3.6 M)).
double ions_per_formula_unit(double capacity_mAh_g, double molar_mass_g_mol, int ion_charge);

// Charge of a common insertion ion: Li, Na, K -> 1; Mg, Ca, Zn -> 2; Al -> 3.
int ion_charge(std::string_view ion);

}  // namespace castor::chem
