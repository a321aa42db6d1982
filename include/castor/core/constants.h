// Physical constants, each defined once for all of castor.
// CODATA 2018 (the SI since 2019 makes F, R, kB, e and NA exact); Cu K-alpha wavelengths
// from one source: G. Hoelzer et al., Phys. Rev. A 56, 4554 (1997), as International
// Tables for Crystallography Vol. C (2006) Table 4.2.2.1 gives them.
#pragma once

namespace castor::constants {

inline constexpr double faraday_C_mol = 96485.33212;      // F = NA e
inline constexpr double gas_J_mol_K = 8.314462618;        // R = NA kB
inline constexpr double boltzmann_J_K = 1.380649e-23;     // kB
inline constexpr double boltzmann_eV_K = 8.617333262e-5;  // kB / e
inline constexpr double elementary_charge_C = 1.602176634e-19;
inline constexpr double avogadro_1_mol = 6.02214076e23;

inline constexpr double cu_ka1_Ang = 1.5405929;  // Cu K-alpha1, angstrom
inline constexpr double cu_ka2_Ang = 1.5444274;  // Cu K-alpha2, angstrom
inline constexpr double cu_ka2_over_ka1 = 0.5;   // intensity ratio assumed when a file states none

}  // namespace castor::constants
