#include "castor/fit/parameter_file.h"

#include <deque>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/sim/detail/builtin_presets.h"

namespace castor::fit {

struct ParameterFile::Impl {
  std::string source;
  toml::table root;
};

namespace {
toml::table parse(const std::string& text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(source, "parameters (TOML)", fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
}
std::pair<std::string, std::string> split(std::string_view path, const std::string& source) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == path.size() || path.find('.', dot + 1) != std::string_view::npos)
    throw Error(source, "parameters", fmt::format("'{}' is not a parameter path: write section.key, e.g. cathode.k0_A_m2", path));
  return {std::string(path.substr(0, dot)), std::string(path.substr(dot + 1))};
}
}  // namespace

ParameterFile ParameterFile::from_text(std::string text, std::string source) {
  auto impl = std::make_shared<Impl>();
  impl->source = std::move(source);
  impl->root = parse(text, impl->source);
  ParameterFile f;
  f.impl_ = std::move(impl);
  (void)f.parameters();  // a file that does not parse or validate fails here, not in a fit
  return f;
}

ParameterFile ParameterFile::load(const std::string& file_or_preset) {
  const std::filesystem::path p(file_or_preset);
  if (p.extension() == ".toml" || std::filesystem::exists(p)) return from_text(io::read_nonempty_file(p, "parameters"), file_or_preset);
  return from_text(fmt::format("preset = \"{}\"\n", file_or_preset), "preset " + file_or_preset);
}

const std::string& ParameterFile::source() const { return impl_->source; }

double ParameterFile::value(std::string_view path) const {
  const auto [section, key] = split(path, impl_->source);
  const toml::table* t = &impl_->root;
  std::string where = impl_->source;
  for (int depth = 0; depth < 8; ++depth) {
    if (const auto* s = (*t)[section].as_table())
      if (const auto* node = s->get(key)) {
        if (auto v = node->value<double>()) return *v;
        throw Error(where, "parameters", fmt::format("key '{}' is not a number", path));
      }
    const auto preset = (*t)["preset"].value<std::string>();
    if (!preset) break;
    const toml::table* next = nullptr;
    static thread_local std::deque<std::pair<std::string, toml::table>> cache;  // stable addresses
    for (const auto& [name, tab] : cache)
      if (name == *preset) next = &tab;
    if (!next)
      for (const auto& [name, text] : sim::detail::builtin_presets())
        if (name == *preset) {
          cache.emplace_back(*preset, parse(std::string(text), "preset " + *preset));
          next = &cache.back().second;
        }
    if (!next) throw Error(where, "parameters", fmt::format("unknown preset '{}'", *preset));
    t = next;
    where = "preset " + *preset;
  }
  throw Error(impl_->source, "parameters",
              fmt::format("key '{}' is set neither in the file nor in its preset: write it into the file with a start value", path));
}

sim::CellParameters ParameterFile::with(const std::vector<std::pair<std::string, double>>& values) const {
  if (values.empty()) {
    std::ostringstream os;
    os << impl_->root;
    return sim::parse_parameters(os.str(), impl_->source);
  }
  toml::table root = impl_->root;
  for (const auto& [path, v] : values) {
    const auto [section, key] = split(path, impl_->source);
    if (!root[section].as_table()) root.insert_or_assign(section, toml::table{});
    root[section].as_table()->insert_or_assign(key, v);
  }
  std::ostringstream os;
  os << root;
  return sim::parse_parameters(os.str(), impl_->source);
}

}  // namespace castor::fit
