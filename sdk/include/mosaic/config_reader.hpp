#pragma once
// Typed, path-aware reading of a downstream's `config:` object for plugins. Every error is a
// ConfigError naming the key, and finish() refuses keys nobody read (a typo is an error, not a
// silently ignored setting).
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "mosaic/config_error.hpp"
#include "mosaic/json.hpp"
#include "mosaic/units.hpp"

namespace mosaic {

class ConfigReader {
 public:
  explicit ConfigReader(const Json& config, std::string prefix = {}) : prefix_(std::move(prefix)) {
    if (config.is_null()) return;
    if (!config.is_object()) throw ConfigError(prefix_, "expected a mapping");
    object_ = &config.as_object();
  }

  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::string string(std::string_view key, std::optional<std::string> fallback = std::nullopt) {
    const Json* v = take(key);
    if (!v) return require(key, fallback);
    if (!v->is_string()) throw ConfigError(path(key), "expected a string");
    return std::string(v->as_string());
  }

  double number(std::string_view key, double fallback, double min, double max) {
    const Json* v = take(key);
    if (!v) return fallback;
    double d = 0;
    if (v->is_double())
      d = v->as_double();
    else if (v->is_int64())
      d = static_cast<double>(v->as_int64());
    else if (v->is_uint64())
      d = static_cast<double>(v->as_uint64());
    else
      throw ConfigError(path(key), "expected a number");
    if (d < min || d > max) {
      throw ConfigError(path(key), "must be between " + fmt(min) + " and " + fmt(max));
    }
    return d;
  }

  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) {
    const Json* v = take(key);
    if (!v) return fallback;
    if (!v->is_int64() && !v->is_uint64()) throw ConfigError(path(key), "expected a whole number");
    if (v->is_uint64() && v->as_uint64() > static_cast<std::uint64_t>(max)) {
      throw ConfigError(path(key),
                        "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    std::int64_t i = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
    if (i < min || i > max) {
      throw ConfigError(path(key),
                        "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return i;
  }

  bool boolean(std::string_view key, bool fallback) {
    const Json* v = take(key);
    if (!v) return fallback;
    if (!v->is_bool()) throw ConfigError(path(key), "expected true or false");
    return v->as_bool();
  }

  std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback) {
    const Json* v = take(key);
    if (!v) return fallback;
    auto d = v->is_string() ? parse_duration(v->as_string()) : std::nullopt;
    if (!d) throw ConfigError(path(key), "expected a duration such as 250ms, 2s or 1m");
    return *d;
  }

  std::uint64_t size(std::string_view key, std::uint64_t fallback) {
    const Json* v = take(key);
    if (!v) return fallback;
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    if (v->is_uint64()) return v->as_uint64();
    auto s = v->is_string() ? parse_size(v->as_string()) : std::nullopt;
    if (!s) throw ConfigError(path(key), "expected a size such as 512, 64KiB or 8MiB");
    return *s;
  }

  // A nested mapping, for reading with its own ConfigReader (errors keep the full path).
  const Json* raw(std::string_view key) { return take(key); }
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

  // Refuses any key that was not read.
  void finish() const {
    if (!object_) return;
    for (const auto& kv : *object_) {
      if (!read_.count(std::string(kv.key()))) throw ConfigError(path(kv.key()), "unknown key");
    }
  }

 private:
  const Json* find(std::string_view key) const {
    if (!object_) return nullptr;
    auto it = object_->find(key);
    return it == object_->end() ? nullptr : &it->value();
  }
  const Json* take(std::string_view key) {
    read_.insert(std::string(key));
    return find(key);
  }
  std::string require(std::string_view key, const std::optional<std::string>& fallback) const {
    if (!fallback) throw ConfigError(path(key), "is required");
    return *fallback;
  }
  static std::string fmt(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  const json::object* object_ = nullptr;
  std::string prefix_;
  std::set<std::string> read_;
};

}  // namespace mosaic
