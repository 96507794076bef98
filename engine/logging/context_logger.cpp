#include "logging/context_logger.hpp"

namespace mosaic::logging {

ContextLogger::ContextLogger(LogWriter* writer, std::string request_id, std::string pipeline,
                             std::string step)
    : writer_(writer), step_(std::move(step)) {
  if (writer_ && !request_id.empty()) {
    scope_ = writer_->request_scope(std::move(request_id), std::move(pipeline));
  } else if (!request_id.empty() || !pipeline.empty()) {
    scope_ = std::make_shared<const LogScope>(
        LogScope{std::move(request_id), std::move(pipeline), true, {}});
  }
}

void ContextLogger::log(LogLevel level, std::string_view message, const json::object& fields) {
  if (writer_) writer_->log(level, message, fields, scope_, step_);
}

}  // namespace mosaic::logging
