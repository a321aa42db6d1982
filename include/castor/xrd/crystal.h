// Crystal structures and their reflections: CIF reading (gemmi), d-spacings for any cell,
// reflections of any space group with the systematic absences of its full operator set
// (every hkl is generated, not a Laue-class multiplicity: in R-3c half of {104} is absent),
// and X-ray structure factors with International Tables (IT92) form factors and isotropic
// Debye-Waller factors.
#pragma once

#include <array>
#include <complex>
#include <filesystem>
#include <string>
#include <vector>

namespace castor::xrd {

struct Site {
  std::string label, element;  // element symbol ("Ti", "O")
  double x = 0, y = 0, z = 0;  // fractional
  double occupancy = 1.0;
  double u_iso_Ang2 = 0;  // B = 8 pi^2 U
};

struct Crystal {
  std::string name;
  double a = 1, b = 1, c = 1, alpha = 90, beta = 90, gamma = 90;  // A, degrees
  std::string spacegroup;                                         // Hermann-Mauguin, as the CIF or gemmi gives it
  std::vector<std::string> symops;                                // all operators as x,y,z triplets (centring included)
  std::vector<Site> sites;
  double volume_Ang3() const;
};

// Mass of the cell contents (g/mol: Z x M), occupancies included.
double cell_mass_g_mol(const Crystal& x);

// Reads the first data block of a CIF (cell, H-M symbol or symmetry operators, atom sites
// with occupancies and Uiso/Biso, or Ueq from anisotropic U).
Crystal read_cif(const std::filesystem::path& path);
// A crystal from a space-group symbol ("R -3 c:H", "Pnma", "167") and its cell.
Crystal make_crystal(const std::string& spacegroup, double a, double b, double c, double alpha, double beta, double gamma);

double d_spacing_Ang(const Crystal& x, int h, int k, int l);
double two_theta_deg(double d_Ang, double wavelength_Ang);  // NaN where d < lambda/2

struct Reflection {
  int h = 0, k = 0, l = 0;  // representative of the family
  int multiplicity = 0;     // distinct hkl in the family (Friedel pairs included)
  double d_Ang = 0, two_theta_deg = 0;
  std::complex<double> F;  // structure factor of the representative (electrons)
  double F2() const { return std::norm(F); }
};

// Allowed reflection families with 2-theta in (min, max], sorted by 2-theta. With
// `with_structure_factors` false only positions and multiplicities are computed.
std::vector<Reflection> reflections(const Crystal& x, double wavelength_Ang, double two_theta_max_deg, double two_theta_min_deg = 0,
                                    bool with_structure_factors = true);
bool systematically_absent(const Crystal& x, int h, int k, int l);
// The hkl of a family: images under the point group, Friedel mates included.
std::vector<std::array<int, 3>> equivalent_reflections(const Crystal& x, int h, int k, int l);

// March-Dollase preferred orientation along the reciprocal direction `axis` with ratio r
// (r < 1: platelets lying with `axis` normal to the sample; r = 1: random), averaged over
// the family: mean of (r^2 cos^2 a + sin^2 a / r)^(-3/2).
double march_dollase(const Crystal& x, const std::vector<std::array<int, 3>>& family, const std::array<int, 3>& axis, double r);

// Crystal systems for cell constraints (trigonal and rhombohedral on hexagonal axes count as
// hexagonal), from the operators.
enum class CellSystem { cubic, tetragonal, hexagonal, orthorhombic, monoclinic, triclinic };
CellSystem cell_system(const Crystal& x);
// The free cell constants of the system (cubic a; tetragonal/hexagonal a, c; orthorhombic
// a, b, c; monoclinic a, b, c, beta; triclinic all six) and the inverse.
std::vector<double> free_cell(const Crystal& x, CellSystem s);
void set_free_cell(Crystal& x, CellSystem s, const std::vector<double>& v);

// Fractional shifts a site may take without leaving its special position: an orthonormal
// basis (0 to 3 vectors) of the range of the site-symmetry projector.
std::vector<std::array<double, 3>> free_directions(const Crystal& x, std::size_t site);

// Structure factor of one hkl (all atoms of the cell, IT92 form factors, exp(-B s^2)), and
// of many at once (the cell is expanded once).
std::complex<double> structure_factor(const Crystal& x, int h, int k, int l);
std::vector<std::complex<double>> structure_factors(const Crystal& x, const std::vector<std::array<int, 3>>& hkl);

// The same structure factors with their analytic derivatives with respect to every site's
// Uiso (A^2) and fractional coordinates: d[r * sites + a] = {dF/dUiso, dF/dx, dF/dy, dF/dz}
// of reflection r and site a (the atoms of the cell move with their site through their
// symmetry operator; a site on a special position keeps its copies only along its
// free_directions).
struct StructureFactorDerivatives {
  std::size_t sites = 0;
  std::vector<std::complex<double>> F;
  std::vector<std::array<std::complex<double>, 4>> d;
};
StructureFactorDerivatives structure_factor_derivatives(const Crystal& x, const std::vector<std::array<int, 3>>& hkl);

}  // namespace castor::xrd
