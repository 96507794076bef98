#pragma once
#include <memory>
// One YAML file read and parsed, with I/O and syntax errors turned into diagnostics.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/source_location.hpp"

namespace mosaic::config {

// The document's root (a null node for an empty file), or nullopt after reporting why not.
// `text`, when given, receives the file's text (templates use it to point errors inside scalars).
std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics,
                                         std::shared_ptr<const std::string>* text = nullptr);

// `diagnostics` in reading order: `main_file` first, then the other files by name, each by
// line:col. Sections are checked before what they contain, which is not the order an operator
// reads the file in.
Diagnostics sorted_by_position(const Diagnostics& diagnostics, const std::string& main_file);

}  // namespace mosaic::config
