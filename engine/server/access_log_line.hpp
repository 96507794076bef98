#pragma once
// Writes the access line of one request when the handler returns, whichever way it returns
// (routing errors, body errors, pipeline answers): the status is read from the response.
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <memory>
#include <string>

#include "logging/access_log.hpp"

namespace mosaic::server {

class AccessLogLine {
 public:
  AccessLogLine(logging::LogWriter* writer, const Poco::Net::HTTPServerResponse& response,
                std::string request_id, std::string method, std::string path)
      : writer_(writer),
        response_(response),
        method_(std::move(method)),
        path_(std::move(path)),
        request_id_(std::move(request_id)) {}
  AccessLogLine(const AccessLogLine&) = delete;
  AccessLogLine& operator=(const AccessLogLine&) = delete;

  ~AccessLogLine() {
    if (!writer_ || writer_->options().off) return;
    try {
      if (!scope_) scope_ = writer_->request_scope(request_id_, {}, trace_id_);
      logging::AccessRecord record;
      record.method = method_;
      record.path = path_;
      record.status = static_cast<int>(response_.getStatus());
      record.duration = std::chrono::steady_clock::now() - start_;
      record.degraded = degraded_;
      record.partial = response_.has("X-Mosaic-Partial");
      logging::log_access(*writer_, scope_, record);
    } catch (...) {
      // Logging never turns a served request into a failure.
    }
  }

  // The request's scope (drawn once); created here for requests that never reached a pipeline.
  const std::shared_ptr<const logging::LogScope>& scope(std::string pipeline) {
    if (!scope_ && writer_)
      scope_ = writer_->request_scope(request_id_, std::move(pipeline), trace_id_);
    return scope_;
  }
  void set_degraded(std::size_t count) { degraded_ = count; }
  void set_trace_id(std::string trace_id) { trace_id_ = std::move(trace_id); }  // before scope()

 private:
  logging::LogWriter* writer_;
  const Poco::Net::HTTPServerResponse& response_;
  std::string method_;
  std::string path_;
  std::string request_id_;
  std::string trace_id_;
  std::shared_ptr<const logging::LogScope> scope_;
  std::size_t degraded_ = 0;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace mosaic::server
