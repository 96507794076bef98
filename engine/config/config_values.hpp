#pragma once
// Typed readers for the scalar values of the config files. Each checks type and range, reports
// a problem at the value's file:line:col, and returns nullopt so the caller keeps its default
// and goes on to find the next error.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/engine_config.hpp"
#include "config/map_reader.hpp"

namespace mosaic::config {

// Downstream, step and parameter names: [A-Za-z_][A-Za-z0-9_-]*
bool is_name(std::string_view text);

std::optional<std::string> read_string(const std::string& file, const MapEntry& entry,
                                       Diagnostics& diagnostics);
std::optional<std::string> read_name(const std::string& file, const MapEntry& entry,
                                     Diagnostics& diagnostics);
std::optional<int> read_int(const std::string& file, const MapEntry& entry, int min, int max,
                            Diagnostics& diagnostics);

struct DurationBounds {
  bool allow_zero = false;
  std::optional<std::chrono::milliseconds> max;
};
std::optional<std::chrono::milliseconds> read_duration(const std::string& file,
                                                       const MapEntry& entry, DurationBounds bounds,
                                                       Diagnostics& diagnostics);
std::optional<std::uint64_t> read_size(const std::string& file, const MapEntry& entry,
                                       Diagnostics& diagnostics);
std::optional<ListenAddress> read_listen(const std::string& file, const MapEntry& entry,
                                         Diagnostics& diagnostics);

// A sequence of strings, or a single string standing for a one-item list; each item keeps its
// own location.
std::optional<std::vector<NameRef>> read_string_list(const std::string& file, const MapEntry& entry,
                                                     Diagnostics& diagnostics);

}  // namespace mosaic::config
