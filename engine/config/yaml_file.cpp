#include "config/yaml_file.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

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

// Where the second document's root starts. yaml-cpp 0.7's LoadAll never returns on some inputs
// (",%" makes its parser report document after document without consuming any input, allocating
// as it goes), so documents are counted here, two at most, before the first one is loaded.
class SecondDocument final : public YAML::EventHandler {
 public:
  int documents = 0;
  YAML::Mark root = YAML::Mark::null_mark();

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents == 2) root = mark;
    awaiting_root_ = documents == 2;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (awaiting_root_) root = mark;
    awaiting_root_ = false;
  }
  bool awaiting_root_ = false;
};

}  // namespace

std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics,
                                         std::shared_ptr<const std::string>* text_out) {
  auto text = read_text(path, diagnostics);
  if (!text) return std::nullopt;
  if (text_out) *text_out = std::make_shared<const std::string>(*text);
  try {
    // Documents are counted first: Load alone would silently drop everything after a second `---`.
    std::istringstream stream(*text);
    YAML::Parser parser(stream);
    SecondDocument counter;
    while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.documents == 0) return YAML::Node();
    if (counter.documents > 1) {
      diagnostics.error(at_mark(path, counter.root),
                        "only one YAML document is allowed in a config file");
      return std::nullopt;
    }
    return YAML::Load(*text);
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
