#pragma once
// One YAML file read and parsed, with I/O and syntax errors turned into diagnostics.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/source_location.hpp"

namespace mosaic::config {

// The document's root (a null node for an empty file), or nullopt after reporting why not.
std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics);

// `diagnostics` in reading order: `main_file` first, then the other files by name, each by
// line:col. Sections are checked before what they contain, which is not the order an operator
// reads the file in.
Diagnostics sorted_by_position(const Diagnostics& diagnostics, const std::string& main_file);

}  // namespace mosaic::config
