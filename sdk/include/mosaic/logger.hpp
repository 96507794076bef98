#pragma once
// The logging interface a plugin sees. The engine's implementation samples, bounds and writes
// off the request thread; a plugin only describes what happened.
#include <string_view>

#include "mosaic/json.hpp"

namespace mosaic {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual bool enabled(LogLevel level) const = 0;
  // `fields` are added to the line beside time, level, message and request id.
  virtual void log(LogLevel level, std::string_view message, const json::object& fields) = 0;

  void debug(std::string_view m, const json::object& f = {}) { log(LogLevel::kDebug, m, f); }
  void info(std::string_view m, const json::object& f = {}) { log(LogLevel::kInfo, m, f); }
  void warn(std::string_view m, const json::object& f = {}) { log(LogLevel::kWarn, m, f); }
  void error(std::string_view m, const json::object& f = {}) { log(LogLevel::kError, m, f); }
};

}  // namespace mosaic
