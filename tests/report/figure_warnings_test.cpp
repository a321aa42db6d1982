// A figure carries the warnings of the data it draws, as the text and JSON outputs do.
#include <gtest/gtest.h>

#include <string>

#include "castor/report/gnuplot.h"

TEST(FigureWarnings, PrintedUnderThePlot) {
  castor::report::Figure f;
  f.title = "t";
  f.series.push_back({"s", {0, 1}, {0, 1}, "lines", false});
  const std::string plain = castor::report::gnuplot_script(f, "/tmp/x.png");
  EXPECT_EQ(plain.find("warning:"), std::string::npos);
  f.warnings = {"Channel_Normal_Table declares 2150 rows, 869 could be read", "b", "c", "d", "e", "f", "g", "h"};
  const std::string s = castor::report::gnuplot_script(f, "/tmp/x.png");
  EXPECT_NE(s.find("warning: Channel_Normal_Table declares 2150 rows"), std::string::npos) << s;
  EXPECT_NE(s.find("(and 2 more warnings"), std::string::npos) << s;
  EXPECT_NE(s.find("set bmargin"), std::string::npos) << s;
  // A long warning is wrapped, not cut off at the figure's edge.
  f.warnings = {std::string(300, 'x') + " end"};
  const std::string w = castor::report::gnuplot_script(f, "/tmp/x.png");
  EXPECT_NE(w.find("end"), std::string::npos);
}
