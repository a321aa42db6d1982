// Powder diffraction patterns (analyses.md section 7): 2-theta in degrees, counts, their
// standard deviations, and the radiation the file states. Readers:
//   PANalytical .xrdml (schema 1.x/2.x; <intensities> or <counts>; start/end or listed
//   positions; Ka1, Ka2 and their ratio; goniometer radius),
//   GSAS "STD" CONST/ESD raw files (.xra/.gsa/.raw; 2-theta in centidegrees),
//   .xy/.xye/.csv columns (2-theta, counts[, sigma]).
// read_pattern picks by content.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace castor::io {
struct FileHead;
}

namespace castor::xrd {

struct Pattern {
  std::vector<double> two_theta_deg, counts, sigma;  // sigma = sqrt(counts) unless the file gives it
  double ka1_Ang = 0, ka2_Ang = 0, ka2_ratio = 0;    // ka1_Ang 0 = no wavelength in the file
  bool ka2_ratio_stated = false;                     // the file states the Ka2/Ka1 ratio (0 = a Ka1 monochromator)
  double goniometer_radius_mm = 0;
  double counting_time_s = 0;  // per point, where stated
  std::string source;
  std::map<std::string, std::string> meta;
};

// Each format: a sniffer (0-3, as io::Sniffer) and a reader; the format registry
// (io/detect.cpp) lists them and read_pattern picks the surest.
int sniff_xrdml(const io::FileHead& head);
Pattern read_xrdml(const std::filesystem::path& path);
int sniff_gsas_std(const io::FileHead& head);
Pattern read_gsas_std(const std::filesystem::path& path);
int sniff_xy(const io::FileHead& head);
Pattern read_xy(const std::filesystem::path& path);
Pattern read_pattern(const std::filesystem::path& path);

// Points with 2-theta in [lo, hi].
Pattern crop(const Pattern& p, double lo_deg, double hi_deg);

}  // namespace castor::xrd
