#include "execution/step_context.hpp"

namespace mosaic::exec {

StepContext::StepContext(std::string_view request_id, Clock::time_point deadline,
                         const std::shared_ptr<CancelSource>& parent, DeadlineTimer& timer,
                         logging::ContextLogger logger)
    : request_id_(request_id), deadline_(deadline), logger_(std::move(logger)) {
  if (parent) {
    // The request's reason carries over: a request that ran out of time times its steps out.
    std::weak_ptr<CancelSource> child = source_;
    std::weak_ptr<CancelSource> weak_parent = parent;
    parent_link_ = parent->on_cancel([child, weak_parent] {
      auto c = child.lock();
      auto p = weak_parent.lock();
      if (c) c->cancel(p && p->reason() == CancelReason::kDeadline ? CancelReason::kDeadline : CancelReason::kCancelled);
    });
  }
  if (deadline_ <= Clock::now()) {
    source_->cancel(CancelReason::kDeadline);
  } else {
    armed_ = ScheduledDeadline(timer, timer.schedule(deadline_, [s = source_] { s->cancel(CancelReason::kDeadline); }));
  }
}

StepContext::~StepContext() {
  armed_.reset();
  parent_link_.reset();
}

Failure StepContext::interruption() const {
  return reason() == CancelReason::kCancelled ? Failure::Cancelled() : Failure::Timeout();
}

bool StepContext::wait_for(Clock::duration duration) {
  return source_->wait_until(std::min(Clock::now() + duration, Clock::time_point::max()));
}

}  // namespace mosaic::exec
