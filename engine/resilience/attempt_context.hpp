#pragma once
// The CallContext of one attempt of a call: a child cancel scope. It has its own deadline (never
// later than the call's) and its own cancellation, linked to the call's: when the call is
// cancelled or runs out of time, so is the attempt; but the attempt can also end alone, at its
// own deadline (a retry gives each attempt a share of the time) or by abandon() (the hedge that
// lost). Either way the plugin hears it the usual way (on_cancel callbacks: the HTTP client shuts
// its socket down), so a losing or timed-out attempt stops for real.
//
// Everything else (request id, logger, trace, offload) is the call's.
#include <memory>

#include "execution/cancel_source.hpp"
#include "execution/deadline_timer.hpp"
#include "mosaic/call_context.hpp"
#include "trace/trace_context.hpp"

namespace mosaic::resilience {

class AttemptContext final : public CallContext, public trace::TracedCall {
 public:
  // `deadline` is capped at the parent's. `parent` must outlive this object.
  AttemptContext(CallContext& parent, Clock::time_point deadline,
                 exec::DeadlineTimer& timer = exec::DeadlineTimer::shared());
  ~AttemptContext() override;
  AttemptContext(const AttemptContext&) = delete;
  AttemptContext& operator=(const AttemptContext&) = delete;

  std::string_view request_id() const override { return parent_.request_id(); }
  Clock::time_point deadline() const override { return deadline_; }
  bool cancelled() const override;
  Failure interruption() const override;
  CancelRegistration on_cancel(std::function<void()> fn) override;
  bool wait_for(Clock::duration duration) override;
  Logger& logger() override { return parent_.logger(); }
  bool should_offload(std::size_t bytes) const override { return parent_.should_offload(bytes); }
  std::optional<Failure> offload(std::function<void()> fn) override {
    return parent_.offload(std::move(fn));
  }
  const trace::TraceContext* trace() const override;

  // Cancels this attempt only: another attempt answered first. From any thread.
  void abandon();

  // Why the attempt ended early, when it did.
  enum class Cause { kNone, kParent, kDeadline, kAbandoned };
  Cause cause() const;
  // True when this attempt ran out of its own time while the call still has time left: the
  // failure is this attempt's, not the call's, and another attempt may still succeed.
  bool own_deadline_passed() const;

 private:
  // The cancel source and the cause, shared with the timer and parent callbacks so that a
  // callback still running while this object is destroyed touches nothing freed.
  struct State;

  CallContext& parent_;
  const Clock::time_point deadline_;
  std::shared_ptr<State> state_;
  CancelRegistration parent_link_;
  exec::ScheduledDeadline armed_;
};

}  // namespace mosaic::resilience
