#pragma once
// A mosaic::Logger that stamps every line with where it comes from (request id, pipeline, step)
// and hands it to the LogWriter, which applies the level, the request's sampling decision and
// the field size limit.
#include <memory>
#include <string>

#include "logging/log_writer.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::logging {

class ContextLogger : public Logger {
 public:
  // A process logger (no request), or, with a request id, a new request scope: the sampling
  // decision for that request is drawn here.
  explicit ContextLogger(LogWriter* writer = nullptr, std::string request_id = {},
                         std::string pipeline = {}, std::string step = {});
  // A logger of an existing request scope.
  ContextLogger(LogWriter* writer, std::shared_ptr<const LogScope> scope, std::string step = {})
      : writer_(writer), scope_(std::move(scope)), step_(std::move(step)) {}

  bool enabled(LogLevel level) const override {
    return writer_ && writer_->enabled(level, scope_.get());
  }
  void log(LogLevel level, std::string_view message, const json::object& fields) override;

  ContextLogger for_step(std::string step) const {
    return ContextLogger(writer_, scope_, std::move(step));
  }
  const std::shared_ptr<const LogScope>& scope() const { return scope_; }

 private:
  LogWriter* writer_;
  std::shared_ptr<const LogScope> scope_;
  std::string step_;
};

}  // namespace mosaic::logging
