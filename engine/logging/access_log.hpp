#pragma once
// The access line: one per request, written when the answer went out.
//   level error  a 5xx answer                          always kept
//   level warn   a partial answer, or slower than       always kept
//                logging.slow_request
//   level info   everything else                        kept when the request was sampled
// Fields: method, path (no query string: it may carry secrets), status, duration_ms, degraded
// (how many steps were left out), plus the request id and pipeline of the scope.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "logging/log_writer.hpp"

namespace mosaic::logging {

struct AccessRecord {
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::chrono::steady_clock::duration duration{};
  std::size_t degraded = 0;
  bool partial = false;
};

// Writes the line and tells the adaptive sampler how the request ended.
void log_access(LogWriter& writer, const std::shared_ptr<const LogScope>& scope,
                const AccessRecord& record);

}  // namespace mosaic::logging
