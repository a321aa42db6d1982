#include "castor/xrd/crystal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <cmath>

#include <fmt/format.h>
#include <gemmi/cif.hpp>
#include <gemmi/it92.hpp>
#include <gemmi/smcif.hpp>
#include <gemmi/symmetry.hpp>
#include <gemmi/unitcell.hpp>

#include "castor/core/error.h"

namespace castor::xrd {

// (std::numbers is C++20; this file also builds as C++17, see src/CMakeLists.txt.)
constexpr double kPi = 3.14159265358979323846;

namespace {

gemmi::GroupOps group_ops(const Crystal& x) {
  std::vector<gemmi::Op> ops;
  for (const auto& t : x.symops) ops.push_back(gemmi::parse_triplet(t));
  if (ops.empty()) throw Error(fmt::format("crystal {}: no symmetry operators", x.name));
  return gemmi::split_centering_vectors(ops);
}

gemmi::UnitCell unit_cell(const Crystal& x) { return gemmi::UnitCell(x.a, x.b, x.c, x.alpha, x.beta, x.gamma); }

std::vector<std::string> ops_of_spacegroup(const gemmi::SpaceGroup& sg) {
  std::vector<std::string> v;
  for (const gemmi::Op& op : sg.operations()) v.push_back(op.triplet());
  return v;
}

// Atom positions of the whole cell: each site under every operator, wrapped into [0, 1),
// duplicates (special positions) removed.
struct CellAtom {
  const gemmi::IT92<double>::Coef* coef;
  double occ, B;
  std::array<double, 3> f;
  double weight;                               // g/mol
  std::size_t site = 0;                        // the site it is a copy of
  std::array<std::array<double, 3>, 3> rot{};  // d f / d (the site's x, y, z): the operator's rotation
};

std::vector<CellAtom> cell_atoms(const Crystal& x) {
  const auto ops = group_ops(x);
  std::vector<CellAtom> out;
  for (std::size_t si = 0; si < x.sites.size(); ++si) {
    const auto& s = x.sites[si];
    const gemmi::Element el(s.element);
    if (el.elem == gemmi::El::X) throw Error(fmt::format("crystal {}: site {} has unknown element '{}'", x.name, s.label, s.element));
    const auto* coef = gemmi::IT92<double>::get_ptr(el.elem);
    if (!coef) throw Error(fmt::format("crystal {}: no X-ray form factor for {}", x.name, s.element));
    std::vector<std::array<double, 3>> seen;
    for (const gemmi::Op& op : ops) {
      auto p = op.apply_to_xyz({s.x, s.y, s.z});
      for (double& v : p) v -= std::floor(v);
      bool dup = false;
      for (const auto& q : seen) {
        double d2 = 0;
        for (int i = 0; i < 3; ++i) {
          double d = std::fabs(p[static_cast<std::size_t>(i)] - q[static_cast<std::size_t>(i)]);
          d = std::min(d, 1 - d);
          d2 += d * d;
        }
        if (d2 < 1e-8) dup = true;
      }
      if (dup) continue;
      seen.push_back(p);
      std::array<std::array<double, 3>, 3> rot{};
      for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) rot[i][j] = static_cast<double>(op.rot[i][j]) / gemmi::Op::DEN;
      out.push_back({coef, s.occupancy, 8 * kPi * kPi * s.u_iso_Ang2, p, el.weight(), si, rot});
    }
  }
  return out;
}

// F and, when d_site is given, per site dF/dUiso and dF/d(x, y, z): each atom's term f e^{i phi} (f including
// the Debye-Waller factor exp(-8 pi^2 U s^2)) changes by -8 pi^2 s^2 times itself with U,
// and by 2 pi i (h R) times itself with the site's coordinates (R: the operator's rotation).
std::complex<double> sf_derivatives(const std::vector<CellAtom>& atoms, double stol2, int h, int k, int l,
                                    std::array<std::complex<double>, 4>* d_site) {
  std::complex<double> F = 0;
  // The atoms of one site come one after another: its form factor and Debye-Waller factor
  // are computed once for them (the same numbers as per atom).
  const void* last_coef = nullptr;
  double last_B = 0, f0 = 0, dw = 0;
  bool have_dw = false;
  for (const auto& a : atoms) {
    if (a.coef != last_coef) f0 = a.coef->calculate_sf(stol2), last_coef = a.coef;
    if (!have_dw || a.B != last_B) dw = std::exp(-a.B * stol2), last_B = a.B, have_dw = true;
    const double f = f0 * a.occ * dw;
    const double ph = 2 * kPi * (h * a.f[0] + k * a.f[1] + l * a.f[2]);
    const std::complex<double> term = f * std::complex<double>(std::cos(ph), std::sin(ph));
    F += term;
    if (!d_site) continue;
    auto& d = d_site[a.site];
    d[0] += -8 * kPi * kPi * stol2 * term;
    const std::complex<double> i2pi_term = std::complex<double>(0, 2 * kPi) * term;
    for (std::size_t j = 0; j < 3; ++j) d[j + 1] += (h * a.rot[0][j] + k * a.rot[1][j] + l * a.rot[2][j]) * i2pi_term;
  }
  return F;
}

std::complex<double> sf(const std::vector<CellAtom>& atoms, double stol2, int h, int k, int l) {
  return sf_derivatives(atoms, stol2, h, k, l, nullptr);
}

}  // namespace

double Crystal::volume_Ang3() const { return unit_cell(*this).volume; }

double cell_mass_g_mol(const Crystal& x) {
  double m = 0;
  for (const auto& a : cell_atoms(x)) m += a.occ * a.weight;
  return m;
}

Crystal make_crystal(const std::string& spacegroup, double a, double b, double c, double alpha, double beta, double gamma) {
  const gemmi::SpaceGroup* sg = gemmi::find_spacegroup_by_name(spacegroup, alpha, gamma);
  if (!sg) throw Error(fmt::format("unknown space group '{}'", spacegroup));
  Crystal x;
  x.name = spacegroup;
  x.a = a, x.b = b, x.c = c, x.alpha = alpha, x.beta = beta, x.gamma = gamma;
  x.spacegroup = sg->xhm();
  x.symops = ops_of_spacegroup(*sg);
  return x;
}

Crystal read_cif(const std::filesystem::path& path) {
  const std::string file = path.string();
  if (!std::filesystem::exists(path)) throw Error(file, "CIF", "cannot open");
  try {
    auto doc = gemmi::cif::read_file(file);
    if (doc.blocks.empty()) throw Error(file, "CIF", "no data block");
    auto& block = doc.blocks.front();
    const auto st = gemmi::make_small_structure_from_block(block);
    Crystal x;
    x.name = st.name;
    x.a = st.cell.a, x.b = st.cell.b, x.c = st.cell.c;
    x.alpha = st.cell.alpha, x.beta = st.cell.beta, x.gamma = st.cell.gamma;
    if (!st.cell.is_crystal()) throw Error(file, "CIF", "no unit cell (_cell_length_a ...)");
    x.spacegroup = st.spacegroup_hm;
    for (const char* tag : {"_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"}) {
      if (!x.symops.empty()) break;
      for (const std::string& v : block.find_values(tag)) x.symops.push_back(gemmi::cif::as_string(v));
    }
    if (x.symops.empty()) {
      const gemmi::SpaceGroup* sg = st.find_spacegroup();
      if (!sg) throw Error(file, "CIF", fmt::format("no symmetry operators and unknown space group '{}'", st.spacegroup_hm));
      x.symops = ops_of_spacegroup(*sg);
    }
    for (const auto& s : st.sites) {
      Site t;
      t.label = s.label;
      t.element = s.element.name();
      t.x = s.fract.x, t.y = s.fract.y, t.z = s.fract.z;
      t.occupancy = s.occ;
      t.u_iso_Ang2 = s.u_iso;
      if (t.u_iso_Ang2 == 0 && s.aniso.nonzero()) t.u_iso_Ang2 = (s.aniso.u11 + s.aniso.u22 + s.aniso.u33) / 3;  // Ueq (orthogonal cells)
      x.sites.push_back(t);
    }
    if (x.sites.empty()) throw Error(file, "CIF", "no atom sites (_atom_site_fract_x ...)");
    (void)group_ops(x);  // the operators must parse
    return x;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(file, "CIF", e.what());
  }
}

double d_spacing_Ang(const Crystal& x, int h, int k, int l) { return unit_cell(x).calculate_d({h, k, l}); }

double two_theta_deg(double d, double lambda) {
  const double s = lambda / (2 * d);
  if (!(s <= 1)) return std::nan("");
  return 2 * std::asin(s) * 180 / kPi;
}

bool systematically_absent(const Crystal& x, int h, int k, int l) { return group_ops(x).is_systematically_absent({h, k, l}); }

namespace {
std::vector<std::array<int, 3>> family_of(const gemmi::GroupOps& ops, int h, int k, int l) {
  std::vector<std::array<int, 3>> eq;
  for (const gemmi::Op& op : ops.sym_ops) {
    const auto m = op.apply_to_hkl({h, k, l});
    eq.push_back({m[0], m[1], m[2]});
    eq.push_back({-m[0], -m[1], -m[2]});
  }
  std::sort(eq.begin(), eq.end());
  eq.erase(std::unique(eq.begin(), eq.end()), eq.end());
  return eq;
}
}  // namespace

std::vector<std::array<int, 3>> equivalent_reflections(const Crystal& x, int h, int k, int l) { return family_of(group_ops(x), h, k, l); }

double march_dollase(const Crystal& x, const std::vector<std::array<int, 3>>& family, const std::array<int, 3>& axis, double r) {
  if (!(r > 0)) throw Error(fmt::format("March-Dollase ratio {} must be positive", r));
  if (family.empty()) return 1.0;
  const auto cell = unit_cell(x);
  const double qa = cell.calculate_1_d2_double(axis[0], axis[1], axis[2]);
  if (!(qa > 0)) throw Error("March-Dollase axis must not be 0 0 0");
  double s = 0;
  for (const auto& m : family) {
    const double q = cell.calculate_1_d2_double(m[0], m[1], m[2]);
    const double qs = cell.calculate_1_d2_double(m[0] + axis[0], m[1] + axis[1], m[2] + axis[2]);
    const double c = std::clamp((qs - q - qa) / (2 * std::sqrt(q * qa)), -1.0, 1.0);
    s += std::pow(r * r * c * c + (1 - c * c) / r, -1.5);
  }
  return s / static_cast<double>(family.size());
}

std::complex<double> structure_factor(const Crystal& x, int h, int k, int l) {
  const double d = d_spacing_Ang(x, h, k, l);
  return sf(cell_atoms(x), 1 / (4 * d * d), h, k, l);
}

std::vector<std::complex<double>> structure_factors(const Crystal& x, const std::vector<std::array<int, 3>>& hkl) {
  const auto atoms = cell_atoms(x);
  const auto cell = unit_cell(x);
  std::vector<std::complex<double>> F;
  F.reserve(hkl.size());
  for (const auto& m : hkl) {
    const double d = cell.calculate_d({m[0], m[1], m[2]});
    F.push_back(sf(atoms, 1 / (4 * d * d), m[0], m[1], m[2]));
  }
  return F;
}

StructureFactorDerivatives structure_factor_derivatives(const Crystal& x, const std::vector<std::array<int, 3>>& hkl) {
  const auto atoms = cell_atoms(x);
  const auto cell = unit_cell(x);
  StructureFactorDerivatives out;
  out.sites = x.sites.size();
  out.F.reserve(hkl.size());
  out.d.assign(hkl.size() * out.sites, {});
  for (std::size_t r = 0; r < hkl.size(); ++r) {
    const auto& m = hkl[r];
    const double d = cell.calculate_d({m[0], m[1], m[2]});
    out.F.push_back(sf_derivatives(atoms, 1 / (4 * d * d), m[0], m[1], m[2], out.d.data() + r * out.sites));
  }
  return out;
}

std::vector<Reflection> reflections(const Crystal& x, double lambda, double tt_max, double tt_min, bool with_sf) {
  if (!(lambda > 0) || !(tt_max > tt_min)) throw Error(fmt::format("reflections of {}: need a wavelength and 2-theta max > min", x.name));
  const auto ops = group_ops(x);
  const auto cell = unit_cell(x);
  const double dmin = lambda / (2 * std::sin(std::min(tt_max, 179.9) * kPi / 360));
  const int H = static_cast<int>(std::ceil(x.a / dmin)) + 1, K = static_cast<int>(std::ceil(x.b / dmin)) + 1,
            L = static_cast<int>(std::ceil(x.c / dmin)) + 1;
  std::vector<CellAtom> atoms;
  if (with_sf) atoms = cell_atoms(x);
  // Families keyed by their representative.
  std::map<std::array<int, 3>, Reflection> fam;
  auto rep_key = [](const std::array<int, 3>& m) {
    // Prefer all indices non-negative, then the largest h, k, l.
    const int neg = (m[0] < 0) + (m[1] < 0) + (m[2] < 0);
    return std::make_tuple(-neg, m[0], m[1], m[2]);
  };
  for (int h = -H; h <= H; ++h)
    for (int k = -K; k <= K; ++k)
      for (int l = -L; l <= L; ++l) {
        if (h == 0 && k == 0 && l == 0) continue;
        const double d = cell.calculate_d({h, k, l});
        if (d < dmin) continue;
        const double tt = two_theta_deg(d, lambda);
        if (!(tt > tt_min && tt <= tt_max)) continue;
        if (ops.is_systematically_absent({h, k, l})) continue;
        // The family: images under the point group, with Friedel mates.
        const auto eq = family_of(ops, h, k, l);
        const auto rep = *std::max_element(eq.begin(), eq.end(), [&](const auto& a, const auto& b) { return rep_key(a) < rep_key(b); });
        if (fam.count(rep)) continue;
        Reflection r;
        r.h = rep[0], r.k = rep[1], r.l = rep[2];
        r.multiplicity = static_cast<int>(eq.size());
        r.d_Ang = d;
        r.two_theta_deg = tt;
        if (with_sf) r.F = sf(atoms, 1 / (4 * d * d), rep[0], rep[1], rep[2]);
        fam[rep] = r;
      }
  std::vector<Reflection> out;
  for (auto& [key, r] : fam) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.two_theta_deg < b.two_theta_deg; });
  return out;
}

CellSystem cell_system(const Crystal& x) {
  const auto ops = group_ops(x);
  const gemmi::SpaceGroup* sg = gemmi::find_spacegroup_by_ops(ops);
  const int n = sg ? sg->number : 1;
  if (n <= 2) return CellSystem::triclinic;
  if (n <= 15) return CellSystem::monoclinic;
  if (n <= 74) return CellSystem::orthorhombic;
  if (n <= 142) return CellSystem::tetragonal;
  if (n <= 194) return CellSystem::hexagonal;
  return CellSystem::cubic;
}

std::vector<double> free_cell(const Crystal& x, CellSystem s) {
  switch (s) {
    case CellSystem::cubic:
      return {x.a};
    case CellSystem::tetragonal:
    case CellSystem::hexagonal:
      return {x.a, x.c};
    case CellSystem::orthorhombic:
      return {x.a, x.b, x.c};
    case CellSystem::monoclinic:
      return {x.a, x.b, x.c, x.beta};
    case CellSystem::triclinic:
      return {x.a, x.b, x.c, x.alpha, x.beta, x.gamma};
  }
  return {};
}

void set_free_cell(Crystal& x, CellSystem s, const std::vector<double>& v) {
  switch (s) {
    case CellSystem::cubic:
      x.a = x.b = x.c = v.at(0);
      break;
    case CellSystem::tetragonal:
    case CellSystem::hexagonal:
      x.a = x.b = v.at(0), x.c = v.at(1);
      break;
    case CellSystem::orthorhombic:
      x.a = v.at(0), x.b = v.at(1), x.c = v.at(2);
      break;
    case CellSystem::monoclinic:
      x.a = v.at(0), x.b = v.at(1), x.c = v.at(2), x.beta = v.at(3);
      break;
    case CellSystem::triclinic:
      x.a = v.at(0), x.b = v.at(1), x.c = v.at(2), x.alpha = v.at(3), x.beta = v.at(4), x.gamma = v.at(5);
      break;
  }
}

std::vector<std::array<double, 3>> free_directions(const Crystal& x, std::size_t site) {
  const auto ops = group_ops(x);
  const auto& s = x.sites.at(site);
  const std::array<double, 3> p0{s.x, s.y, s.z};
  double P[3][3] = {};
  int n = 0;
  for (const gemmi::Op& op : ops) {
    auto p = op.apply_to_xyz(p0);
    bool same = true;
    for (int i = 0; i < 3; ++i) {
      double d = p[static_cast<std::size_t>(i)] - p0[static_cast<std::size_t>(i)];
      d -= std::round(d);
      if (std::fabs(d) > 1e-4) same = false;
    }
    if (!same) continue;
    ++n;
    const auto R = op.float_seitz();
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) P[i][j] += R[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  }
  for (auto& row : P)
    for (double& v : row) v /= n;
  // Gram-Schmidt on the projector's columns.
  std::vector<std::array<double, 3>> basis;
  for (int j = 0; j < 3; ++j) {
    std::array<double, 3> v{P[0][j], P[1][j], P[2][j]};
    for (const auto& b : basis) {
      const double d = v[0] * b[0] + v[1] * b[1] + v[2] * b[2];
      for (int i = 0; i < 3; ++i) v[static_cast<std::size_t>(i)] -= d * b[static_cast<std::size_t>(i)];
    }
    const double norm = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (norm < 1e-6) continue;
    for (double& c : v) c /= norm;
    basis.push_back(v);
  }
  return basis;
}

}  // namespace castor::xrd
