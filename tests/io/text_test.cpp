#include <gtest/gtest.h>

#include <cmath>

#include "castor/io/detail/delimited.h"
#include "castor/io/detail/text.h"

using namespace castor::io;

TEST(Text, ParseDoubleBothDecimals) {
  EXPECT_DOUBLE_EQ(*parse_double("2.4807117E+000"), 2.4807117);
  EXPECT_DOUBLE_EQ(*parse_double("3,015299923827115E+001", ','), 30.15299923827115);
  EXPECT_DOUBLE_EQ(*parse_double(" +1.5 "), 1.5);
  EXPECT_FALSE(parse_double("XXX"));
  EXPECT_FALSE(parse_double(""));
  EXPECT_FALSE(parse_double("1.5abc"));
}

TEST(Text, Latin1ToUtf8) {
  const std::string latin1 =
      "Temperature/\xB0"
      "C";
  EXPECT_FALSE(is_valid_utf8(latin1));
  EXPECT_EQ(to_utf8(latin1), "Temperature/°C");
  EXPECT_EQ(to_utf8("Cs/µF"), "Cs/µF");
}

TEST(Text, DatesAndDurations) {
  EXPECT_EQ(format_datetime(*parse_datetime_s("05/13/2024 11:19:51.602")), "2024-05-13T11:19:51.602000");
  EXPECT_EQ(format_datetime(*parse_datetime_s("2021-05-05 15:36:22")), "2021-05-05T15:36:22");
  EXPECT_EQ(format_datetime(*parse_datetime_s("19.06.2023 17:56:53")), "2023-06-19T17:56:53");
  EXPECT_DOUBLE_EQ(*parse_duration_s("1d 01:00:01.5"), 86400 + 3601.5);
  EXPECT_DOUBLE_EQ(*parse_duration_s("00:02:03"), 123);
  // OLE day 43000 = 2017-09-22
  EXPECT_EQ(format_datetime(ole_days_to_unix_s(43000.5)), "2017-09-22T12:00:00");
}

TEST(Delimited, DetectsDecimalAndDelimiter) {
  std::vector<std::string_view> de = {"1,5\t2,25\t3", "1,6\t2,5\t4"};
  EXPECT_EQ(detect_decimal(de, '\t'), ',');
  std::vector<std::string_view> en = {"1.5\t2.25\t3"};
  EXPECT_EQ(detect_decimal(en, '\t'), '.');
  EXPECT_EQ(detect_delimiter("a;b;c"), ';');
  EXPECT_EQ(detect_delimiter("a\tb\tc"), '\t');
  EXPECT_EQ(detect_delimiter("a,b,c"), ',');
  EXPECT_EQ(unit_of("Current(A)"), "A");
  EXPECT_EQ(unit_of("Ewe/V"), "V");
}

TEST(Delimited, TextColumnsAreKept) {
  std::vector<std::string_view> lines = {"1\tC\t2", "2\tD\tXXX", "3\tR\t4"};
  castor::Table t;
  parse_delimited_rows(lines, 0, {"a", "state", "b"}, {}, 1, t);
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.find_text("state")->values[1], "D");
  EXPECT_TRUE(std::isnan(t.values("b")[1]));
}
