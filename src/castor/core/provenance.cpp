#include "castor/core/provenance.h"

namespace castor {
namespace {
std::string& stored() {
  static std::string s;
  return s;
}
}  // namespace

const char* version() { return CASTOR_VERSION_STRING; }

void set_command_line(int argc, const char* const* argv) {
  std::string s;
  for (int k = 0; k < argc; ++k) {
    std::string a = argv[k] ? argv[k] : "";
    if (k == 0) {
      const auto slash = a.rfind('/');
      if (slash != std::string::npos) a = a.substr(slash + 1);
    }
    const bool quote = a.empty() || a.find_first_of(" \t'\"$*?()[]{};&|<>") != std::string::npos;
    if (quote) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      a = q + "'";
    }
    s += (k ? " " : "") + a;
  }
  stored() = s;
}

const std::string& command_line() { return stored(); }

}  // namespace castor
