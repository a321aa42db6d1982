// Energy-dispersive X-ray spectroscopy (analyses.md section 9): the element line library,
// peak areas over a background, intensity ratios normalised to a chosen element, and
// Cliff-Lorimer k-factor quantification.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace castor::io {
struct FileHead;
}

namespace castor::eds {

struct XrayLine {
  std::string_view element, line;  // "Ti", "Ka"
  double energy_keV;
};

// K-alpha, K-beta and L-alpha energies (keV) of the elements from C to Bi that EDS sees
// as commonly tabulated (after Bearden, Rev. Mod. Phys. 39 (1967) 78), to a few eV: enough
// to place integration windows of ~0.13 keV. Throws for unknown lines.
const std::vector<XrayLine>& line_library();
double line_energy_keV(std::string_view element, std::string_view line);

struct EdsSpectrum {
  std::vector<double> energy_keV, counts;
  std::string source;
};

// EMSA/MSA (#FORMAT : EMSA/MAS, #XPERCHAN, #OFFSET, #SPECTRUM) or two columns energy (keV
// or eV), counts.
// sniff_eds: 3 for an EMSA header (#FORMAT), 1 for other text (as io::Sniffer).
int sniff_eds(const io::FileHead& head);
EdsSpectrum read_eds(const std::filesystem::path& path);

struct PeakArea {
  std::string element, line;
  double energy_keV = 0;
  // Counts above the background; its standard error from Poisson statistics of the window's
  // gross counts and of the flanking windows that set the background.
  double area = 0, area_error = 0;
  double background = 0;
};

struct EdsOptions {
  double fwhm_keV = 0.13;  // detector resolution: the window is +-1.2 FWHM around the line
  double window_fwhm = 1.2;
  double background_fwhm = 1.0;  // width of the flanking background windows
};

// Areas of the K-alpha (or given) lines of the elements, over a straight background drawn
// between windows on both sides of each line.
std::vector<PeakArea> peak_areas(const EdsSpectrum& s, const std::vector<std::string>& elements, const EdsOptions& options = {});

// Intensity of each element over the reference element's.
std::map<std::string, double> ratios_to(const std::vector<PeakArea>& areas, std::string_view reference);

// Cliff-Lorimer: C_A / C_B = k_AB I_A / I_B; k-factors relative to one reference element
// (k of the reference = 1; missing k = 1). Returns weight fractions summing to 1, and atomic
// fractions using the standard atomic weights.
struct Composition {
  std::map<std::string, double> weight_fraction, atomic_fraction;
};
// Weight and atomic fractions from line areas and Cliff-Lorimer k-factors (k = 1 where
// none is given: standardless). Throws castor::Error when no line has an area.
Composition cliff_lorimer(const std::vector<PeakArea>& areas, const std::map<std::string, double>& k_factors);

// What the numbers above cannot stand behind, one line each: a line not detected (net area
// below 3 standard errors: its fraction is a detection limit, and a negative area counts as 0
// in the composition); two lines of the elements asked for closer than the detector's FWHM
// (window areas cannot separate them: Ti Kb and V Ka, S Ka and Mo La); elements quantified
// without a k-factor (k = 1: standardless, not corrected for absorption or fluorescence).
// The reference element's k is 1 by definition.
std::vector<std::string> quantification_warnings(const std::vector<PeakArea>& areas, const std::map<std::string, double>& k_factors,
                                                 std::string_view reference = {}, const EdsOptions& options = {});

}  // namespace castor::eds
