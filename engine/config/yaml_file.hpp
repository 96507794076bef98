#pragma once
// One YAML file read and parsed, with I/O and syntax errors turned into diagnostics.
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "config/source_location.hpp"

namespace mosaic::config {

// The document's root (a null node for an empty file), or nullopt after reporting why not.
std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace mosaic::config
