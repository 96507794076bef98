#pragma once
// The CallContext a plugin sees for one step: the step's deadline, a cancel source that fires on
// that deadline (through the shared DeadlineTimer) or when the request gives up, and a logger
// stamped with the request and step.
#include <memory>
#include <string>

#include "execution/cancel_source.hpp"
#include "execution/deadline_timer.hpp"
#include "logging/context_logger.hpp"
#include "mosaic/call_context.hpp"
#include "offload/offload_pool.hpp"
#include "trace/trace_context.hpp"

namespace mosaic::exec {

class StepContext : public CallContext, public trace::TracedCall {
 public:
  // `parent` may be null (background steps do not follow the request). The deadline is armed on
  // `timer` at once; destroying the context disarms it.
  StepContext(std::string_view request_id, Clock::time_point deadline,
              const std::shared_ptr<CancelSource>& parent, DeadlineTimer& timer,
              logging::ContextLogger logger);
  ~StepContext() override;

  std::string_view request_id() const override { return request_id_; }
  Clock::time_point deadline() const override { return deadline_; }
  bool cancelled() const override { return source_->cancelled(); }
  Failure interruption() const override;
  CancelRegistration on_cancel(std::function<void()> fn) override {
    return source_->on_cancel(std::move(fn));
  }
  bool wait_for(Clock::duration duration) override;
  Logger& logger() override { return logger_; }

  CancelReason reason() const { return source_->reason(); }

  // The request's trace (the engine's HTTP client sends a child span of it); may be null.
  const trace::TraceContext* trace() const override { return trace_; }
  void set_trace(const trace::TraceContext* trace) { trace_ = trace; }

  // CPU offload (offload/offload_pool.hpp). Without a pool, offload() runs `fn` inline.
  bool should_offload(std::size_t bytes) const override {
    return offload_ && offload_->should_offload(bytes);
  }
  std::optional<Failure> offload(std::function<void()> fn) override;
  void set_offload(offload::OffloadPool* pool) { offload_ = pool; }

 private:
  std::string request_id_;
  Clock::time_point deadline_;
  std::shared_ptr<CancelSource> source_ = std::make_shared<CancelSource>();
  CancelRegistration parent_link_;
  ScheduledDeadline armed_;
  logging::ContextLogger logger_;
  const trace::TraceContext* trace_ = nullptr;
  offload::OffloadPool* offload_ = nullptr;
};

}  // namespace mosaic::exec
