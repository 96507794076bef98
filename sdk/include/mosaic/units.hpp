#pragma once
// Durations ("800ms", "1.5s", "2m") and sizes ("512", "64KiB", "1MiB") as written in config.
// Shared by the engine and plugins so every config file reads the same way.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mosaic {

inline std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data() || number < 0) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  double ms = 0;
  if (unit == "ms")
    ms = number;
  else if (unit == "s")
    ms = number * 1000.0;
  else if (unit == "m")
    ms = number * 60000.0;
  else
    return std::nullopt;
  if (ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms + 0.5));
}

inline std::optional<std::uint64_t> parse_size(std::string_view text) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data() || number < 0) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  double bytes = 0;
  if (unit.empty() || unit == "B")
    bytes = number;
  else if (unit == "KiB")
    bytes = number * 1024.0;
  else if (unit == "MiB")
    bytes = number * 1024.0 * 1024.0;
  else if (unit == "GiB")
    bytes = number * 1024.0 * 1024.0 * 1024.0;
  else
    return std::nullopt;
  if (bytes > 1e15) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace mosaic
