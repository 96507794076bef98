#include "resilience/attempt_context.hpp"

#include <algorithm>
#include <atomic>

namespace mosaic::resilience {

struct AttemptContext::State {
  std::shared_ptr<exec::CancelSource> source = std::make_shared<exec::CancelSource>();
  std::atomic<Cause> cause{Cause::kNone};

  // The first cause wins; the source's callbacks (the plugin's) run on this thread.
  void end(Cause why) {
    Cause expected = Cause::kNone;
    if (cause.compare_exchange_strong(expected, why)) {
      source->cancel(why == Cause::kDeadline ? exec::CancelReason::kDeadline
                                             : exec::CancelReason::kCancelled);
    }
  }
};

AttemptContext::AttemptContext(CallContext& parent, Clock::time_point deadline,
                               exec::DeadlineTimer& timer)
    : parent_(parent),
      deadline_(std::min(deadline, parent.deadline())),
      state_(std::make_shared<State>()) {
  // Runs at once if the parent is already cancelled.
  parent_link_ = parent_.on_cancel([state = state_] { state->end(Cause::kParent); });
  if (deadline_ <= Clock::now()) {
    state_->end(Cause::kDeadline);
  } else if (state_->cause.load() == Cause::kNone) {
    armed_ = exec::ScheduledDeadline(
        timer, timer.schedule(deadline_, [state = state_] { state->end(Cause::kDeadline); }));
  }
}

AttemptContext::~AttemptContext() {
  armed_.reset();
  parent_link_.reset();  // waits for the link's callback if it runs on another thread
}

CancelRegistration AttemptContext::on_cancel(std::function<void()> fn) {
  return state_->source->on_cancel(std::move(fn));
}

void AttemptContext::abandon() {
  state_->end(Cause::kAbandoned);
}

AttemptContext::Cause AttemptContext::cause() const {
  return state_->cause.load();
}

bool AttemptContext::cancelled() const {
  return state_->source->cancelled() || Clock::now() >= deadline_ || parent_.cancelled();
}

Failure AttemptContext::interruption() const {
  switch (cause()) {
    case Cause::kParent:
      return parent_.interruption();
    case Cause::kAbandoned:
      return Failure::Cancelled("another attempt answered first");
    case Cause::kDeadline:
      break;
    case Cause::kNone:
      if (parent_.cancelled()) return parent_.interruption();
      break;
  }
  if (deadline_ < parent_.deadline())
    return Failure::Timeout("the attempt's share of the time ran out");
  return Failure::Timeout();
}

bool AttemptContext::own_deadline_passed() const {
  if (parent_.cancelled() || deadline_ >= parent_.deadline()) return false;
  const Cause why = cause();
  return why == Cause::kDeadline || (why == Cause::kNone && Clock::now() >= deadline_);
}

bool AttemptContext::wait_for(Clock::duration duration) {
  const Clock::time_point now = Clock::now();
  const Clock::time_point until = deadline_ - now < duration ? deadline_ : now + duration;
  state_->source->wait_until(until);
  // The waiter can wake at the deadline before the timer thread fires it: end the attempt here
  // then, so that callbacks and cause() agree with what wait_for answers.
  if (Clock::now() >= deadline_) state_->end(Cause::kDeadline);
  return !cancelled();
}

const trace::TraceContext* AttemptContext::trace() const {
  const auto* traced = dynamic_cast<const trace::TracedCall*>(&parent_);
  return traced ? traced->trace() : nullptr;
}

}  // namespace mosaic::resilience
