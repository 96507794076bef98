#pragma once
// Reading a YAML mapping strictly: keys must be unique scalars and, for a fixed-shape section,
// one of a known set, so a typo is an error at its line instead of a silently ignored setting.
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/source_location.hpp"

namespace mosaic::config {

struct MapEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

SourceLocation key_where(const std::string& file, const MapEntry& entry);
// An empty value (`timeout:`) has its mark on the next token, often the next line, so errors
// about it point at its key instead.
SourceLocation value_where(const std::string& file, const MapEntry& entry);

// The entries of `node` in file order; duplicate and non-scalar keys are reported and dropped.
// A null node reads as an empty mapping: `server:` with nothing under it means the defaults.
// `context` names the mapping in messages ("server", "step 'auth'").
std::vector<MapEntry> read_open_map(const std::string& file, const YAML::Node& node,
                                    const std::string& context, Diagnostics& diagnostics);

// Same, and keys outside `allowed` are reported as unknown and dropped.
std::vector<MapEntry> read_map(const std::string& file, const YAML::Node& node,
                               const std::string& context,
                               const std::vector<std::string_view>& allowed,
                               Diagnostics& diagnostics);

const MapEntry* find_entry(const std::vector<MapEntry>& entries, std::string_view key);

}  // namespace mosaic::config
