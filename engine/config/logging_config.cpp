// read_logging: the `logging:` section.
#include "config/logging_config.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "config/config_values.hpp"

namespace mosaic::config {

namespace {

const std::vector<std::string_view> kLoggingKeys = {"level",     "sample_rate",  "adaptive", "sink",
                                                    "max_field", "slow_request", "queue"};

std::string scalar(const MapEntry& entry) {
  return entry.value.IsScalar() ? entry.value.Scalar() : std::string();
}

void read_level(const std::string& file, const MapEntry& entry, LoggingConfig& logging,
                Diagnostics& diagnostics) {
  const std::string text = scalar(entry);
  static const std::pair<const char*, LogLevel> kLevels[] = {{"debug", LogLevel::kDebug},
                                                             {"info", LogLevel::kInfo},
                                                             {"warn", LogLevel::kWarn},
                                                             {"error", LogLevel::kError}};
  if (text == "off") {
    logging.off = true;
    return;
  }
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      logging.off = false;
      logging.level = level;
      return;
    }
  }
  diagnostics.error(
      value_where(file, entry),
      "bad level '" + text + "' for level (expected one of: debug, info, warn, error, off)");
}

void read_rate(const std::string& file, const MapEntry& entry, double& rate,
               Diagnostics& diagnostics) {
  const std::string text = scalar(entry);
  double value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !(value >= 0 && value <= 1)) {
    diagnostics.error(value_where(file, entry),
                      "sample_rate must be a number from 0 to 1, got '" + text + "'");
    return;
  }
  rate = value;
}

void read_bool(const std::string& file, const MapEntry& entry, bool& target,
               Diagnostics& diagnostics) {
  const std::string text = scalar(entry);
  if (text == "true") {
    target = true;
  } else if (text == "false") {
    target = false;
  } else {
    diagnostics.error(value_where(file, entry),
                      entry.key + " must be true or false, got '" + text + "'");
  }
}

void read_sink(const std::string& file, const MapEntry& entry, const std::string& base_dir,
               LoggingConfig& logging, Diagnostics& diagnostics) {
  const std::string text = scalar(entry);
  logging.sink_where = value_where(file, entry);
  if (text == "stdout" || text == "stderr") {
    logging.sink = text;
    return;
  }
  if (text.rfind("file:", 0) == 0 && text.size() > 5) {
    const std::string path = text.substr(5);
    const bool absolute = path.front() == '/';
    const std::string resolved = absolute || base_dir.empty() ? path : base_dir + "/" + path;
    // Checked, not created: validating a config has no side effects.
    std::error_code ec;
    const bool exists = std::filesystem::exists(resolved, ec);
    std::string folder = std::filesystem::path(resolved).parent_path().string();
    if (folder.empty()) folder = ".";
    if (exists ? ::access(resolved.c_str(), W_OK) != 0 : ::access(folder.c_str(), W_OK) != 0) {
      diagnostics.error(logging.sink_where,
                        "cannot write the log file '" + resolved + "'" +
                            (exists ? "" : " (its folder is missing or not writable)"));
      return;
    }
    logging.sink = "file:" + resolved;
    return;
  }
  diagnostics.error(logging.sink_where,
                    "bad sink '" + text + "' (expected stdout, stderr or file:/path/to/file)");
}

}  // namespace

std::string describe(const LoggingConfig& logging) {
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", logging.sample_rate);
  return std::string("level=") + (logging.off ? "off" : kNames[static_cast<int>(logging.level)]) +
         " sample_rate=" + rate + " adaptive=" + (logging.adaptive ? "true" : "false") +
         " sink=" + logging.sink + " max_field=" + std::to_string(logging.max_field) +
         " slow_request=" + std::to_string(logging.slow_request.count()) +
         "ms queue=" + std::to_string(logging.queue);
}

void read_logging(const std::string& file, const MapEntry& section, const std::string& base_dir,
                  LoggingConfig& logging, Diagnostics& diagnostics) {
  for (const auto& entry : read_map(file, section.value, "logging", kLoggingKeys, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "level") read_level(file, entry, logging, diagnostics);
    if (key == "sample_rate") read_rate(file, entry, logging.sample_rate, diagnostics);
    if (key == "adaptive") read_bool(file, entry, logging.adaptive, diagnostics);
    if (key == "sink") read_sink(file, entry, base_dir, logging, diagnostics);
    if (key == "max_field") {
      if (auto size = read_size(file, entry, diagnostics)) {
        if (*size < 16) {
          diagnostics.error(value_where(file, entry), "max_field must be at least 16 bytes");
        } else {
          logging.max_field = *size;
        }
      }
    }
    if (key == "slow_request") {
      if (auto d = read_duration(file, entry, DurationBounds{false, std::nullopt}, diagnostics))
        logging.slow_request = *d;
    }
    if (key == "queue") {
      if (auto n = read_int(file, entry, 16, 1 << 20, diagnostics)) logging.queue = *n;
    }
  }
}

}  // namespace mosaic::config
