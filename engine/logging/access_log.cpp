#include "logging/access_log.hpp"

#include <cmath>

namespace mosaic::logging {

void log_access(LogWriter& writer, const std::shared_ptr<const LogScope>& scope,
                const AccessRecord& record) {
  const bool error = record.status >= 500;
  writer.sampler().note_request(error);
  const bool slow = record.duration >= writer.options().slow_request;
  const LogLevel level = error                      ? LogLevel::kError
                         : (record.partial || slow) ? LogLevel::kWarn
                                                    : LogLevel::kInfo;
  if (!writer.enabled(level, scope.get())) {
    if (writer.enabled(level)) writer.log(level, "request", {}, scope);  // counted as sampled out
    return;
  }
  const double ms = std::chrono::duration<double, std::milli>(record.duration).count();
  json::object fields;
  fields.reserve(6);
  fields["method"] = record.method;
  fields["path"] = record.path;
  fields["status"] = record.status;
  fields["duration_ms"] = std::round(ms * 100) / 100;
  fields["degraded"] = record.degraded;
  if (slow) fields["slow"] = true;
  writer.log(level, "request", std::move(fields), scope);
}

}  // namespace mosaic::logging
