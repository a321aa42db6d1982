// Runs a command and compares what it prints with an answer file, numbers within a
// tolerance, everything else exactly (runs of blanks count as one). SUNDIALS' examples
// are checked the same way: a change that alters a printed number is seen at once.
//
//   answer_check [--update] [--env NAME=VALUE]... CMD_FILE ANSWER_FILE
//
// CMD_FILE holds one bash command (lines ending in '\' continue it) and directives in
// comment lines:
//   # tolerance: rel=1e-6 abs=1e-12   numbers agree when |a-b| <= abs + rel*max(|a|,|b|)
//   # ignore: REGEX                    lines (of output and answer) matching it are skipped
//   # mask: REGEX                      what matches it (a wall time) is replaced by '*' in both
//   # cwd: scratch                     run in an empty scratch folder (default: CMD_FILE's folder)
// other comment lines describe the example. The command's stdout and stderr are compared
// together, followed by a line "[exit N]". In the output, each --env value is replaced by
// $NAME, so answers do not hold this machine's paths. --update writes the answer file.
// Exit status: 0 agree, 1 differ (the first differences are printed), 2 bad usage.
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Token {
  bool number = false;
  double value = 0;
  std::string text;
};

bool starts_number(const std::string& s, std::size_t i) {
  auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (digit(i)) return true;
  if (s[i] == '.' && digit(i + 1)) return true;
  if ((s[i] == '-' || s[i] == '+') && (digit(i + 1) || (i + 1 < s.size() && s[i + 1] == '.' && digit(i + 2))))
    return i == 0 || !(std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_');
  return false;
}

// Words and numbers of one line; a number is what strtod reads from a place a number can
// start (so "1.5e-3", "-2", ".5" are numbers, "R0" and "CPE1_0" are words).
std::vector<Token> tokens(const std::string& line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
      continue;
    }
    const bool after_word = i > 0 && (std::isalpha(static_cast<unsigned char>(line[i - 1])) || line[i - 1] == '_');
    if (!after_word && starts_number(line, i)) {
      char* end = nullptr;
      const double v = std::strtod(line.c_str() + i, &end);
      const auto n = static_cast<std::size_t>(end - (line.c_str() + i));
      if (n > 0) {
        out.push_back({true, v, line.substr(i, n)});
        i += n;
        continue;
      }
    }
    // a word: up to a blank or the start of a number that follows a non-word character
    std::size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) {
      if (j > i && !(std::isalnum(static_cast<unsigned char>(line[j - 1])) || line[j - 1] == '_') && starts_number(line, j)) break;
      ++j;
    }
    out.push_back({false, 0, line.substr(i, j - i)});
    i = j;
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text, const std::vector<std::regex>& ignore) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    bool skip = false;
    for (const auto& re : ignore) skip = skip || std::regex_search(line, re);
    if (!skip) out.push_back(line);
  }
  while (!out.empty() && out.back().find_first_not_of(" \t\r") == std::string::npos) out.pop_back();
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

}  // namespace

int main(int argc, char** argv) {
  bool update = false;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> files;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--update") {
      update = true;
    } else if (a == "--env" && k + 1 < argc) {
      const std::string kv = argv[++k];
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "answer_check: --env wants NAME=VALUE, got '" << kv << "'\n";
        return 2;
      }
      env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 2) {
    std::cerr << "usage: answer_check [--update] [--env NAME=VALUE]... CMD_FILE ANSWER_FILE\n";
    return 2;
  }
  const std::filesystem::path cmd_file = std::filesystem::absolute(files[0]), answer_file = files[1];
  if (!std::filesystem::is_regular_file(cmd_file)) {
    std::cerr << "answer_check: " << cmd_file << ": no such file\n";
    return 2;
  }
  if (std::getenv("CASTOR_UPDATE_ANSWERS")) update = true;

  // The command and the directives.
  double rel = 1e-6, abs_tol = 1e-12;
  std::vector<std::regex> ignore, mask;
  bool scratch = false;
  std::string command;
  {
    std::istringstream in(read_file(cmd_file));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind('#', 0) == 0) {
        const std::string d = line.substr(1);
        const auto colon = d.find(':');
        const std::string key = colon == std::string::npos ? "" : std::regex_replace(d.substr(0, colon), std::regex("^\\s+|\\s+$"), "");
        const std::string value = colon == std::string::npos ? "" : std::regex_replace(d.substr(colon + 1), std::regex("^\\s+|\\s+$"), "");
        if (key == "tolerance") {
          std::smatch m;
          if (std::regex_search(value, m, std::regex("rel=([0-9.eE+-]+)"))) rel = std::stod(m[1]);
          if (std::regex_search(value, m, std::regex("abs=([0-9.eE+-]+)"))) abs_tol = std::stod(m[1]);
        } else if (key == "ignore") {
          ignore.emplace_back(value);
        } else if (key == "mask") {
          mask.emplace_back(value);
        } else if (key == "cwd") {
          scratch = value == "scratch";
        }
        continue;
      }
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (!command.empty() && command.back() == '\\') command.pop_back();
      command += (command.empty() ? "" : " ") + line;
    }
  }
  if (command.empty()) {
    std::cerr << "answer_check: " << cmd_file << ": no command in it\n";
    return 2;
  }

  // Run it.
  std::filesystem::path cwd = cmd_file.parent_path();
  if (scratch) {
    cwd = std::filesystem::temp_directory_path() /
          ("castor-answer-" + cmd_file.stem().string() + "-" + std::to_string(static_cast<long>(::getpid())));
    std::filesystem::remove_all(cwd);
    std::filesystem::create_directories(cwd);
  }
  std::string prefix = "cd '" + cwd.string() + "' && ";
  for (const auto& [name, value] : env) prefix += name + "='" + value + "' ";
  const std::string full = prefix + "bash -c '" + std::regex_replace(command, std::regex("'"), "'\\''") + "' 2>&1";
  std::string output;
  int status = -1;
  if (FILE* pipe = ::popen(full.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
    const int w = ::pclose(pipe);
    status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + (WIFSIGNALED(w) ? WTERMSIG(w) : 0);
  }
  if (scratch) std::filesystem::remove_all(cwd);
  // Longest values first, so a path inside another is replaced by the longer name.
  auto sorted = env;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  for (const auto& [name, value] : sorted) replace_all(output, value, "$" + name);
  if (!output.empty() && output.back() != '\n') output += '\n';
  output += "[exit " + std::to_string(status) + "]\n";

  if (update) {
    std::ofstream(answer_file, std::ios::binary) << output;
    std::cout << "answer_check: wrote " << answer_file.string() << "\n";
    return 0;
  }
  if (!std::filesystem::is_regular_file(answer_file)) {
    std::cerr << "answer_check: " << answer_file << ": no answer file (run with --update to write it)\n" << output;
    return 1;
  }
  auto got = lines_of(output, ignore), want = lines_of(read_file(answer_file), ignore);
  for (auto* v : {&got, &want})
    for (auto& line : *v)
      for (const auto& re : mask) line = std::regex_replace(line, re, "*");
  int differences = 0;
  const std::size_t n = std::max(got.size(), want.size());
  for (std::size_t i = 0; i < n && differences < 10; ++i) {
    const std::string g = i < got.size() ? got[i] : "<no line>", w = i < want.size() ? want[i] : "<no line>";
    const auto tg = tokens(g), tw = tokens(w);
    bool same = tg.size() == tw.size();
    for (std::size_t k = 0; same && k < tg.size(); ++k) {
      if (tg[k].number != tw[k].number)
        same = false;
      else if (!tg[k].number)
        same = tg[k].text == tw[k].text;
      else {
        const double a = tg[k].value, b = tw[k].value;
        same = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= abs_tol + rel * std::max(std::fabs(a), std::fabs(b));
      }
    }
    if (!same) {
      ++differences;
      std::cout << answer_file.filename().string() << " line " << i + 1 << ":\n  expected: " << w << "\n  printed:  " << g << "\n";
    }
  }
  if (differences > 0) {
    std::cout << "answer_check: the output of " << cmd_file.filename().string() << " differs from " << answer_file.string()
              << " (tolerance rel=" << rel << " abs=" << abs_tol << "); if the change is intended, rerun with"
              << " CASTOR_UPDATE_ANSWERS=1 and commit the new answer\n--- full output ---\n"
              << output;
    return 1;
  }
  return 0;
}
