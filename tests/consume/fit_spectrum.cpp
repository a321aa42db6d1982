// Fits an equivalent circuit to an impedance file with the installed castor:
//   fit_spectrum FILE CIRCUIT  ->  one "name value unit" line per parameter and the status.
#include <castor/core/error.h>
#include <castor/eis/circuit.h>
#include <castor/eis/fit.h>
#include <castor/eis/read_impedance.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fit_spectrum FILE CIRCUIT\n");
    return 2;
  }
  try {
    const auto spectra = castor::eis::read_impedance(argv[1]);
    const castor::eis::Circuit circuit(argv[2]);
    const auto fit = castor::eis::fit_circuit(circuit, spectra.front());
    for (std::size_t k = 0; k < fit.names.size(); ++k)
      std::printf("%s %.6g %s\n", fit.names[k].c_str(), fit.values[k], fit.units[k].c_str());
    std::printf("%s\n", fit.status().c_str());
  } catch (const castor::Error& e) {
    std::fprintf(stderr, "fit_spectrum: %s\n", e.what());
    return 2;
  }
  return 0;
}
