#include "logging/context_logger.hpp"

#include <chrono>
#include <ctime>

namespace mosaic::logging {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

namespace {

std::string utc_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

}  // namespace

void ContextLogger::log(LogLevel level, std::string_view message, const json::object& fields) {
  if (!enabled(level)) return;
  json::object line;
  line.reserve(6 + fields.size());
  line["time"] = utc_now();
  line["level"] = level_name(level);
  line["message"] = message;
  if (!request_id_.empty()) line["request_id"] = request_id_;
  if (!pipeline_.empty()) line["pipeline"] = pipeline_;
  if (!step_.empty()) line["step"] = step_;
  for (const auto& kv : fields) line[kv.key()] = kv.value();
  writer_->push(json::serialize(line));
}

}  // namespace mosaic::logging
