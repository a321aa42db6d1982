#include "castor/io/detail/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include <fmt/format.h>

namespace castor::io {

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    if (c < 0x80)
      n = 0;
    else if ((c >> 5) == 0x6)
      n = 1;
    else if ((c >> 4) == 0xE)
      n = 2;
    else if ((c >> 3) == 0x1E)
      n = 3;
    else
      return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n + 1;
  }
  return true;
}

std::string to_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  // windows-1252 differs from latin-1 in 0x80-0x9F; map the printable ones we meet.
  static const char16_t cp1252[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                      0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    char32_t cp = c < 0x80 ? c : (c < 0xA0 ? cp1252[c - 0x80] : c);
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\"";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

void split(std::string_view line, char delim, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const auto p = line.find(delim, start);
    if (p == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
}

std::vector<std::string_view> split(std::string_view line, char delim) {
  std::vector<std::string_view> out;
  split(line, delim, out);
  return out;
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> w;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t j = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > j) w.push_back(s.substr(j, i - j));
  }
  return w;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != lower(prefix[i])) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && starts_with_ci(a, b); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

std::optional<double> parse_double(std::string_view field, char decimal) {
  std::size_t b = 0, e = field.size();
  while (b < e && (field[b] == ' ' || field[b] == '\t' || field[b] == '"')) ++b;
  while (e > b && (field[e - 1] == ' ' || field[e - 1] == '\t' || field[e - 1] == '\r' || field[e - 1] == '"')) --e;
  if (b == e) return std::nullopt;
  const char* first = field.data() + b;
  const char* last = field.data() + e;
  if (*first == '+') ++first;
  double value = 0;
  if (decimal == '.') {
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc() && ptr == last) return value;
    if (ec == std::errc::result_out_of_range) return std::nullopt;
  } else {
    char buf[64];
    const auto n = static_cast<std::size_t>(last - first);
    if (n >= sizeof buf) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i) buf[i] = first[i] == decimal ? '.' : first[i];
    auto [ptr, ec] = std::from_chars(buf, buf + n, value);
    if (ec == std::errc() && ptr == buf + n) return value;
  }
  return std::nullopt;
}

void split_fields(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
  if (delimiter != ' ') {
    split(line, delimiter, out);
    return;
  }
  out.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t j = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > j) out.push_back(line.substr(j, i - j));
  }
}

std::optional<double> parse_double_strict(std::string_view field, char decimal) {
  const char other = decimal == '.' ? ',' : '.';
  if (field.find(other) != std::string_view::npos) return std::nullopt;
  return parse_double(field, decimal);
}

std::optional<NumberLayout> detect_number_layout(std::span<const std::string_view> lines, std::size_t min_fields) {
  static constexpr NumberLayout candidates[] = {{'\t', '.'}, {'\t', ','}, {';', '.'}, {';', ','}, {',', '.'}, {' ', '.'}, {' ', ','}};
  std::optional<NumberLayout> best;
  long best_score = 0;
  std::vector<std::string_view> fields;
  for (const auto& c : candidates) {
    long score = 0;
    for (auto line : lines) {
      split_fields(line, c.delimiter, fields);
      long numbers = 0, words = 0;
      for (auto f : fields) {
        f = trim(f);
        if (f.empty()) continue;
        if (parse_double_strict(f, c.decimal))
          ++numbers;
        else
          ++words;
      }
      if (numbers >= static_cast<long>(min_fields)) score += numbers - 2 * words;
    }
    if (score > best_score) best_score = score, best = c;
  }
  return best;
}

std::optional<double> parse_duration_s(std::string_view f) {
  f = trim(f);
  if (f.empty()) return std::nullopt;
  double days = 0;
  if (auto d = f.find('d'); d != std::string_view::npos) {
    auto v = parse_double(f.substr(0, d));
    if (!v) return std::nullopt;
    days = *v;
    f = trim(f.substr(d + 1));
  } else if (auto sp = f.find(' '); sp != std::string_view::npos) {
    auto v = parse_double(f.substr(0, sp));
    if (!v) return std::nullopt;
    days = *v;
    f = trim(f.substr(sp + 1));
  }
  auto parts = split(f, ':');
  if (parts.size() > 3) return std::nullopt;
  double total = 0;
  for (auto p : parts) {
    auto v = parse_double(p);
    if (!v) return std::nullopt;
    total = total * 60 + *v;
  }
  return days * 86400.0 + total;
}

namespace {
// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}
}  // namespace

std::optional<double> parse_datetime_s(std::string_view f) {
  f = trim(f);
  int a = 0, b = 0, c = 0, hh = 0, mm = 0;
  double ss = 0;
  char s1 = 0, s2 = 0;
  char buf[64];
  if (f.size() >= sizeof buf || f.size() < 8) return std::nullopt;
  std::copy(f.begin(), f.end(), buf);
  buf[f.size()] = 0;
  for (char* p = buf; *p; ++p)
    if (*p == 'T') *p = ' ';
  int n = std::sscanf(buf, "%d%c%d%c%d %d:%d:%lf", &a, &s1, &b, &s2, &c, &hh, &mm, &ss);
  if (n < 5 || s1 != s2 || (s1 != '-' && s1 != '/' && s1 != '.')) return std::nullopt;
  if (n < 8) {
    if (n != 5) return std::nullopt;
    hh = mm = 0;
    ss = 0;
  }
  int y, mo, d;
  if (a > 31) {  // Y-M-D
    y = a, mo = b, d = c;
  } else if (s1 == '.') {  // D.M.Y
    d = a, mo = b, y = c;
  } else {  // M/D/Y as written by EC-Lab and Maccor
    mo = a, d = b, y = c;
  }
  if (y < 100) y += 2000;
  return civil_datetime_s(y, mo, d, hh, mm, ss);
}

std::optional<double> civil_datetime_s(long long y, int mo, int d, int hh, int mm, double ss) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || hh > 24 || mm < 0 || mm > 59 || !(ss >= 0 && ss < 61)) return std::nullopt;
  return static_cast<double>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) * 86400.0 + hh * 3600.0 + mm * 60.0 +
         ss;
}

std::string format_datetime(double t) {
  // Years 1 to 9999: the range "YYYY" can print, and far inside long long.
  if (!(t >= -62135596800.0 && t < 253402300800.0)) return "";
  const double whole = std::floor(t);
  const auto secs = static_cast<long long>(whole);
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long long rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  const long long micro = std::llround((t - whole) * 1e6);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rem / 3600, (rem / 60) % 60, rem % 60);
  if (micro > 0 && micro < 1000000) out += fmt::format(".{:06}", micro);
  return out;
}

void set_start_time(Metadata& meta, double unix_s, std::string_view what) {
  if (plausible_date(unix_s)) {
    meta.start_time = format_datetime(unix_s);
    return;
  }
  const std::string shown = format_datetime(unix_s);
  meta.warnings.push_back(fmt::format("start date not used: the {} gives {}, outside 1990-2100", what,
                                      shown.empty() ? fmt::format("{:.6g} s since 1970", unix_s) : shown));
}

}  // namespace castor::io
