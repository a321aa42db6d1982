#include "castor/xps/vamas.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::xps {
namespace {

class Lines {
 public:
  Lines(std::vector<std::string_view> l, std::string file) : l_(std::move(l)), file_(std::move(file)) {}
  std::string text() {
    if (pos_ >= l_.size()) throw Error(file_, "VAMAS", fmt::format("file ends early at line {}", pos_ + 1));
    // MultiPak pads some labels with NUL bytes: drop them.
    std::string t = io::to_utf8(io::trim(l_[pos_++]));
    t.erase(std::remove(t.begin(), t.end(), '\0'), t.end());
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
    return t;
  }
  long integer() {
    const std::string t = text();
    const auto v = io::parse_double(t);
    if (!v || !(std::fabs(*v) < 1e12) || *v != std::floor(*v))
      throw Error(file_, "VAMAS", fmt::format("expected a whole number, found '{}'", t)).at_line(pos_);
    return static_cast<long>(*v);
  }
  double number() {
    const std::string t = text();
    const auto v = io::parse_double(t);
    if (!v) throw Error(file_, "VAMAS", fmt::format("expected a number, found '{}'", t)).at_line(pos_);
    return *v;
  }
  void skip(long n) {
    if (n < 0 || pos_ + static_cast<std::size_t>(n) > l_.size())
      throw Error(file_, "VAMAS", fmt::format("cannot skip {} lines at line {}", n, pos_ + 1));
    pos_ += static_cast<std::size_t>(n);
  }
  std::size_t line() const { return pos_; }
  void skip_leading_blank() {
    while (pos_ < l_.size() && io::trim(l_[pos_]).empty()) ++pos_;
  }

 private:
  std::vector<std::string_view> l_;
  std::string file_;
  std::size_t pos_ = 0;
};

bool one_of(const std::string& s, std::initializer_list<const char*> v) {
  return std::any_of(v.begin(), v.end(), [&](const char* x) { return s == x; });
}
}  // namespace

Region VamasBlock::region() const {
  if (variables.empty()) throw Error(fmt::format("VAMAS block {}: no ordinate values", block_id));
  Region r;
  r.name = (species + " " + transition);
  r.source = block_id;
  const bool kinetic = io::to_lower(abscissa_label).find("kinetic") != std::string::npos;
  for (std::size_t i = 0; i < abscissa.size() && i < variables[0].size(); ++i) {
    r.be_eV.push_back(kinetic ? source_energy_eV - abscissa[i] : abscissa[i]);
    r.counts.push_back(variables[0][i]);
  }
  return r;
}

std::vector<VamasBlock> read_vamas(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string text = io::read_nonempty_file(path, "VAMAS");
  Lines f(io::split_lines(text), file);
  f.skip_leading_blank();  // Kratos exports start with empty lines
  const std::string magic = f.text();
  if (!magic.starts_with("VAMAS Surface Chemical Analysis Standard Data Transfer Format"))
    throw Error(file, "VAMAS", "first line is not the VAMAS format identifier").at_line(1);
  f.skip(4);            // institution, instrument model, operator, experiment id
  f.skip(f.integer());  // comment lines
  const std::string exp_mode = f.text();
  const std::string scan_mode = f.text();
  if (!one_of(exp_mode, {"MAP", "MAPDP", "MAPSV", "MAPSVDP", "NORM", "SDP", "SDPSV", "SEM", "NOEXP"}))
    throw Error(file, "VAMAS", fmt::format("unknown experiment mode '{}'", exp_mode)).at_line(f.line());
  if (scan_mode != "REGULAR" && scan_mode != "IRREGULAR")
    throw Error(file, "VAMAS", fmt::format("scan mode '{}' not supported (REGULAR or IRREGULAR)", scan_mode)).at_line(f.line());
  if (one_of(exp_mode, {"MAP", "MAPDP", "NORM", "SDP"})) f.skip(1);  // number of spectral regions
  if (one_of(exp_mode, {"MAP", "MAPDP"})) f.skip(3);
  const long n_exp_var = f.integer();
  f.skip(2 * n_exp_var);
  // Parameter inclusion (positive count) or exclusion (negative) list of the 40 block fields.
  bool include[40];
  const long n_incl = f.integer();
  for (bool& b : include) b = n_incl <= 0;
  for (long i = 0; i < std::labs(n_incl); ++i) {
    const long idx = f.integer() - 1;
    if (idx < 0 || idx >= 40) throw Error(file, "VAMAS", "inclusion list index outside 1-40").at_line(f.line());
    include[idx] = n_incl > 0;
  }
  f.skip(f.integer());  // manually entered items
  f.skip(f.integer());  // future upgrade experiment entries
  const long block_fue = f.integer();
  f.skip(block_fue);
  const long n_blocks = f.integer();
  std::vector<VamasBlock> out;
  for (long b = 0; b < n_blocks; ++b) {
    VamasBlock k;
    k.block_id = f.text();
    k.sample_id = f.text();
    if (include[0]) k.meta["year"] = f.text();
    if (include[1]) k.meta["month"] = f.text();
    if (include[2]) k.meta["day"] = f.text();
    if (include[3]) k.meta["hour"] = f.text();
    if (include[4]) k.meta["minute"] = f.text();
    if (include[5]) k.meta["second"] = f.text();
    if (include[6]) k.meta["hours ahead of GMT"] = f.text();
    if (include[7]) f.skip(f.integer());  // block comments
    if (include[8]) k.technique = f.text();
    if (include[9] && one_of(exp_mode, {"MAP", "MAPDP"})) f.skip(2);
    if (include[10]) f.skip(n_exp_var);
    if (include[11]) k.meta["source"] = f.text();
    if (include[12] && (one_of(exp_mode, {"MAPDP", "MAPSVDP", "SDP", "SDPSV"}) ||
                        one_of(k.technique, {"SNMS energy spec", "FABMS", "FABMS energy spec", "ISS", "SIMS", "SIMS energy spec", "SNMS"})))
      f.skip(3);
    if (include[13]) k.source_energy_eV = f.number();
    if (include[14]) k.meta["source strength"] = f.text();
    if (include[15]) f.skip(2);
    if (include[16] && one_of(exp_mode, {"MAP", "MAPDP", "MAPSV", "MAPSVDP", "SEM"})) f.skip(2);
    if (include[17] && one_of(exp_mode, {"MAPSV", "MAPSVDP", "SEM"}))
      throw Error(file, "VAMAS", "mapping blocks are not supported").at_line(f.line());
    if (include[18]) k.meta["source polar angle"] = f.text();
    if (include[19]) k.meta["source azimuth"] = f.text();
    if (include[20]) k.meta["analyser mode"] = f.text();
    if (include[21]) k.meta["pass energy"] = f.text();
    if (include[22] && k.technique == "AES diff") f.skip(1);
    if (include[23]) k.meta["magnification"] = f.text();
    if (include[24]) k.meta["work function"] = f.text();
    if (include[25]) k.meta["target bias"] = f.text();
    if (include[26]) f.skip(2);
    if (include[27]) f.skip(2);
    if (include[28]) k.species = f.text();
    if (include[29]) {
      k.transition = f.text();
      f.skip(1);  // charge of the detected particle
    }
    double start = 0, step = 0;
    const bool regular = scan_mode == "REGULAR";
    if (include[30] && regular) {
      k.abscissa_label = f.text();
      k.abscissa_units = f.text();
      start = f.number();
      step = f.number();
    }
    long n_var = 0;
    std::vector<std::string> names;
    if (include[31]) {
      n_var = f.integer();
      for (long v = 0; v < n_var; ++v) {
        names.push_back(f.text());
        f.skip(1);  // unit
      }
    }
    if (n_var < 1) throw Error(file, "VAMAS", fmt::format("block {} has no corresponding variables", k.block_id)).at_line(f.line());
    if (include[32]) k.meta["signal mode"] = f.text();
    if (include[33]) k.meta["collection time"] = f.text();
    if (include[34]) k.meta["scans"] = f.text();
    if (include[35]) k.meta["time correction"] = f.text();
    if (include[36] && one_of(k.technique, {"AES diff", "AES dir", "EDX", "ELS", "UPS", "XPS", "XRF"}) &&
        one_of(exp_mode, {"MAPDP", "MAPSVDP", "SDP", "SDPSV"}))
      f.skip(7);
    if (include[37]) f.skip(2);
    if (include[38]) f.skip(1);
    if (include[39]) {
      const long n_add = f.integer();
      for (long a = 0; a < n_add; ++a) {
        const std::string label = f.text();
        f.skip(1);
        k.meta[label] = f.text();
      }
    }
    f.skip(block_fue);
    const long n_values = f.integer();
    f.skip(2 * n_var);  // minimum and maximum of each variable
    if (n_values < 0 || n_values % n_var != 0)
      throw Error(file, "VAMAS", fmt::format("block {}: {} values do not divide into {} variables", k.block_id, n_values, n_var))
          .at_line(f.line());
    const long points = n_values / n_var;
    std::vector<std::vector<double>> cols(static_cast<std::size_t>(n_var));
    for (long i = 0; i < points; ++i)
      for (long v = 0; v < n_var; ++v) cols[static_cast<std::size_t>(v)].push_back(f.number());
    if (regular) {
      for (long i = 0; i < points; ++i) k.abscissa.push_back(start + step * static_cast<double>(i));
      k.variable_names = names;
      k.variables = std::move(cols);
    } else {
      // IRREGULAR: the first corresponding variable is the abscissa.
      if (n_var < 2) throw Error(file, "VAMAS", fmt::format("irregular block {} lacks an abscissa variable", k.block_id));
      k.abscissa_label = names[0];
      k.abscissa = std::move(cols[0]);
      k.variable_names.assign(names.begin() + 1, names.end());
      k.variables.assign(std::make_move_iterator(cols.begin() + 1), std::make_move_iterator(cols.end()));
    }
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace castor::xps
