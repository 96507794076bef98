#include "config/map_reader.hpp"

#include <map>

namespace mosaic::config {

SourceLocation key_where(const std::string& file, const MapEntry& entry) {
  return SourceLocation::of(file, entry.key_node);
}

SourceLocation value_where(const std::string& file, const MapEntry& entry) {
  if (entry.value.IsNull() || entry.value.Mark().is_null()) return key_where(file, entry);
  return SourceLocation::of(file, entry.value);
}

std::vector<MapEntry> read_open_map(const std::string& file, const YAML::Node& node,
                                    const std::string& context, Diagnostics& diagnostics) {
  std::vector<MapEntry> entries;
  if (!node.IsDefined() || node.IsNull()) return entries;
  if (!node.IsMap()) {
    diagnostics.error(SourceLocation::of(file, node), "expected a mapping for " + context);
    return entries;
  }
  // yaml-cpp 0.7 keeps both pairs of a duplicated key but lookups see only the first one.
  std::map<std::string, int, std::less<>> first_line;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      diagnostics.error(SourceLocation::of(file, kv.first), "expected a plain key in " + context);
      continue;
    }
    const std::string& key = kv.first.Scalar();
    SourceLocation where = SourceLocation::of(file, kv.first);
    auto [it, inserted] = first_line.emplace(key, where.line);
    if (!inserted) {
      diagnostics.error(where, "duplicate key '" + key + "' in " + context + " (first at line " +
                                   std::to_string(it->second) + ")");
      continue;
    }
    entries.push_back(MapEntry{key, kv.first, kv.second});
  }
  return entries;
}

std::vector<MapEntry> read_map(const std::string& file, const YAML::Node& node,
                               const std::string& context,
                               const std::vector<std::string_view>& allowed,
                               Diagnostics& diagnostics) {
  std::vector<MapEntry> known;
  for (auto& entry : read_open_map(file, node, context, diagnostics)) {
    bool ok = false;
    for (auto name : allowed) ok = ok || name == entry.key;
    if (ok) {
      known.push_back(entry);
      continue;
    }
    std::string expected;
    for (auto name : allowed) expected += (expected.empty() ? "" : ", ") + std::string(name);
    diagnostics.error(key_where(file, entry), "unknown key '" + entry.key + "' in " + context +
                                                  " (expected one of: " + expected + ")");
  }
  return known;
}

const MapEntry* find_entry(const std::vector<MapEntry>& entries, std::string_view key) {
  for (const auto& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

}  // namespace mosaic::config
