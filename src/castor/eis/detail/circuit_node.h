// The parsed form of a circuit string (shared by circuit.cpp and the fitting code).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "castor/eis/circuit.h"

namespace castor::eis {

enum class ElementCode { R, C, L, CPE, La, W, Wo, Ws, G, TLMQ };

struct ElementType {
  ElementCode code;
  std::string_view name;
  int n;
  std::array<std::string_view, 3> units;
  std::array<double, 3> upper;  // lower bounds are 0
};

struct Circuit::Node {
  enum Kind { element, series, parallel } kind = element;
  const ElementType* type = nullptr;
  std::string label;
  std::size_t begin = 0, end = 0;  // parameter range
  std::vector<std::unique_ptr<Node>> children;

  std::unique_ptr<Node> clone() const {
    auto n = std::make_unique<Node>();
    n->kind = kind, n->type = type, n->label = label, n->begin = begin, n->end = end;
    for (const auto& c : children) n->children.push_back(c->clone());
    return n;
  }
};

}  // namespace castor::eis
