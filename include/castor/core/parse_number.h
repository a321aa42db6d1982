// Numbers from users and files: the whole text must be a finite number, else a
// castor::Error that names what was being read ("--initial", "cathode.radius_nm") and the text.
#pragma once

#include <string_view>
#include <vector>

namespace castor {

// Throws castor::Error("<what>: '<text>' is not a finite number") for anything else,
// including "nan", "inf" and numbers beyond the double range (1e400).
double parse_number(std::string_view text, std::string_view what);
// A whole number within [lo, hi] ("12", "+3"); anything else, a fraction or a number out of
// the range throws castor::Error("<what>: ...") naming the text and the range.
long long parse_integer(std::string_view text, std::string_view what, long long lo, long long hi);
// A comma-separated list of numbers ("1,2.5,3e-4"); empty items are errors.
std::vector<double> parse_number_list(std::string_view text, std::string_view what);

}  // namespace castor
