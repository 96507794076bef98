#pragma once
// Where a config value was written, and a diagnostic that names it as file:line:col.
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace mosaic::config {

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based

  std::string str() const;  // "file:line:col", or "file" when the position is unknown
  static SourceLocation of(const std::string& file, const YAML::Node& node);
};

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string str() const { return where.str() + ": " + message; }
};

// Collects every error of a load so an operator sees all of them at once, not one per run.
class Diagnostics {
 public:
  void error(SourceLocation where, std::string message) {
    items_.push_back({std::move(where), std::move(message)});
  }
  void append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  }
  bool ok() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::string str() const;  // one diagnostic a line

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace mosaic::config
