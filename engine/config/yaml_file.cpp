#include "config/yaml_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <vector>

namespace mosaic::config {

namespace {

SourceLocation at_mark(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::optional<std::string> read_text(const std::string& path, Diagnostics& diagnostics) {
  std::error_code ec;
  // Opening a directory with ifstream succeeds on Linux and reads as empty: say what it is.
  if (std::filesystem::is_directory(path, ec)) {
    diagnostics.error({path, 0, 0}, "cannot read file: it is a directory");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, std::string("cannot read file: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    diagnostics.error({path, 0, 0}, "cannot read file: I/O error");
    return std::nullopt;
  }
  return text.str();
}

}  // namespace

std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics,
                                         std::shared_ptr<const std::string>* text_out) {
  auto text = read_text(path, diagnostics);
  if (!text) return std::nullopt;
  if (text_out) *text_out = std::make_shared<const std::string>(*text);
  try {
    // LoadAll, not Load: Load would silently drop everything after a second `---`.
    std::vector<YAML::Node> documents = YAML::LoadAll(*text);
    if (documents.empty()) return YAML::Node();
    if (documents.size() > 1) {
      diagnostics.error(SourceLocation::of(path, documents[1]),
                        "only one YAML document is allowed in a config file");
      return std::nullopt;
    }
    return documents.front();
  } catch (const YAML::Exception& e) {
    diagnostics.error(at_mark(path, e.mark), "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

Diagnostics sorted_by_position(const Diagnostics& diagnostics, const std::string& main_file) {
  std::vector<Diagnostic> items = diagnostics.items();
  auto key = [&](const Diagnostic& d) {
    bool other = d.where.file != main_file;
    return std::make_tuple(other, other ? d.where.file : std::string(), d.where.line, d.where.col);
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  Diagnostics sorted;
  for (auto& item : items) sorted.error(std::move(item.where), std::move(item.message));
  return sorted;
}

}  // namespace mosaic::config
