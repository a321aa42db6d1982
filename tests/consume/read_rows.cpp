// Reads an instrument file with the installed castor and prints its rows and columns:
//   read_rows FILE  ->  "ROWS COLUMNS" and one "name [unit]" line per column.
#include <castor/core/error.h>
#include <castor/io/read.h>
#include <castor/version.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: read_rows FILE\n");
    return 2;
  }
  try {
    const castor::Table t = castor::io::read_table(argv[1]);
    std::printf("castor %s (compiled against %s)\n", castor::version(), CASTOR_VERSION_STRING);
    std::printf("%zu %zu\n", t.rows(), t.columns().size());
    for (const auto& c : t.columns()) std::printf("%s [%s]\n", c.name.c_str(), c.unit.c_str());
  } catch (const castor::Error& e) {
    std::fprintf(stderr, "read_rows: %s\n", e.what());
    return 2;
  }
  return 0;
}
