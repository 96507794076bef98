#pragma once
// A mosaic::Logger that stamps every line with where it comes from (request id, pipeline, step)
// and formats it as one JSON object.
#include <string>

#include "logging/log_writer.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::logging {

class ContextLogger : public Logger {
 public:
  explicit ContextLogger(LogWriter* writer = nullptr, std::string request_id = {}, std::string pipeline = {}, std::string step = {})
      : writer_(writer), request_id_(std::move(request_id)), pipeline_(std::move(pipeline)), step_(std::move(step)) {}

  bool enabled(LogLevel level) const override { return writer_ && writer_->enabled(level); }
  void log(LogLevel level, std::string_view message, const json::object& fields) override;

  ContextLogger for_step(std::string step) const { return ContextLogger(writer_, request_id_, pipeline_, std::move(step)); }

 private:
  LogWriter* writer_;
  std::string request_id_;
  std::string pipeline_;
  std::string step_;
};

const char* level_name(LogLevel level);

}  // namespace mosaic::logging
