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
      if (c)
        c->cancel(p && p->reason() == CancelReason::kDeadline ? CancelReason::kDeadline
                                                              : CancelReason::kCancelled);
    });
  }
  if (deadline_ <= Clock::now()) {
    source_->cancel(CancelReason::kDeadline);
  } else {
    armed_ = ScheduledDeadline(
        timer, timer.schedule(deadline_, [s = source_] { s->cancel(CancelReason::kDeadline); }));
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

std::optional<Failure> StepContext::offload(std::function<void()> fn) {
  if (!offload_) {
    fn();
    return std::nullopt;
  }
  if (cancelled()) return interruption();
  const Clock::time_point queue_deadline = offload_->queue_deadline(deadline_);
  auto job = offload_->try_submit(std::move(fn), queue_deadline);
  if (!job) return Failure::Of(FailureKind::kShed, "offload queue full");
  // A call that is cancelled takes its task back if no thread has started it yet.
  CancelRegistration withdraw = source_->on_cancel([pool = offload_, job] { pool->withdraw(job); });
  const auto outcome = offload_->wait(job);
  withdraw.reset();
  switch (outcome) {
    case offload::OffloadPool::Outcome::kDone:
      return std::nullopt;
    case offload::OffloadPool::Outcome::kRefused:
      return Failure::Of(FailureKind::kShed, "offload queue full");
    case offload::OffloadPool::Outcome::kExpired:
      if (queue_deadline >= deadline_)
        return Failure::Timeout("the deadline passed while waiting for the offload pool");
      return Failure::Of(FailureKind::kShed,
                         "waited longer than offload.timeout for the offload pool");
    case offload::OffloadPool::Outcome::kWithdrawn:
      return cancelled() ? interruption()
                         : Failure::Of(FailureKind::kShed, "the offload pool is stopping");
  }
  return std::nullopt;
}

}  // namespace mosaic::exec
