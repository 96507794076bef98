#pragma once
// YAML scalars and trees as JSON, with YAML 1.2 core-schema typing: a plain scalar may be a
// number, bool or null; a quoted scalar is always a string.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "mosaic/json.hpp"

namespace mosaic::config {

Json scalar_to_json(const YAML::Node& scalar);
Json yaml_to_json(const YAML::Node& node);

// The node at a dotted path ("headers.x-api-key", "hosts.0") under `root`, or `root` itself when
// the path cannot be followed, so an error always has some location.
YAML::Node node_at_path(const YAML::Node& root, const std::string& dotted_path);

}  // namespace mosaic::config
