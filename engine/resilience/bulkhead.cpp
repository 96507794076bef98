#include "resilience/bulkhead.hpp"

#include <algorithm>
#include <string>

namespace mosaic::resilience {

Bulkhead::Bulkhead(Options options, std::shared_ptr<ResilienceSeries> series)
    : options_(options), series_(std::move(series)) {}

std::optional<Failure> Bulkhead::acquire(CallContext& context) {
  if (context.cancelled()) return context.interruption();
  std::unique_lock lock(mutex_);
  if (in_flight_ < options_.max_concurrent && queue_.empty()) {
    ++in_flight_;
    if (series_) series_->bulkhead_in_flight.add(1);
    return std::nullopt;
  }
  if (queue_.size() >= options_.max_queue) {
    if (series_) series_->shed_full.inc();
    return Failure::Of(FailureKind::kShed, "bulkhead full: " + std::to_string(in_flight_) +
                                               " calls in flight, " +
                                               std::to_string(queue_.size()) + " waiting");
  }
  Waiter waiter;
  queue_.push_back(&waiter);
  if (series_) series_->bulkhead_queued.add(1);
  const Clock::time_point queue_deadline =
      std::min(Clock::now() + options_.queue_timeout, context.deadline());
  lock.unlock();
  // Registered without the lock: it runs at once when the call is already cancelled.
  CancelRegistration registration = context.on_cancel([this, &waiter] {
    std::lock_guard inner(mutex_);
    waiter.interrupted = true;
    waiter.wake.notify_one();
  });
  lock.lock();
  waiter.wake.wait_until(lock, queue_deadline,
                         [&] { return waiter.granted || waiter.interrupted; });
  const bool granted = waiter.granted;
  if (!granted) leave_queue(waiter);
  lock.unlock();
  registration.reset();  // the callback takes mutex_: never reset it with the lock held
  if (granted) {
    if (!context.cancelled()) return std::nullopt;
    release();
    return context.interruption();
  }
  if (context.cancelled()) return context.interruption();
  if (Clock::now() >= context.deadline())
    return Failure::Timeout("the deadline passed while waiting for a bulkhead slot");
  if (series_) series_->shed_queue_timeout.inc();
  return Failure::Of(FailureKind::kShed, "waited queue_timeout (" +
                                             std::to_string(options_.queue_timeout.count()) +
                                             "ms) for a bulkhead slot");
}

void Bulkhead::leave_queue(Waiter& waiter) {
  auto it = std::find(queue_.begin(), queue_.end(), &waiter);
  if (it == queue_.end()) return;
  queue_.erase(it);
  if (series_) series_->bulkhead_queued.add(-1);
}

void Bulkhead::release() {
  std::lock_guard lock(mutex_);
  if (!queue_.empty()) {
    // The slot passes to the oldest waiter: in_flight_ stays as it is.
    Waiter* next = queue_.front();
    queue_.pop_front();
    if (series_) series_->bulkhead_queued.add(-1);
    next->granted = true;
    next->wake.notify_one();
    return;
  }
  --in_flight_;
  if (series_) series_->bulkhead_in_flight.add(-1);
}

std::size_t Bulkhead::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

std::size_t Bulkhead::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

CallResult BulkheadDownstream::call(const Json& input, CallContext& context) {
  if (auto refused = bulkhead_->acquire(context)) return std::move(*refused);
  struct Release {
    Bulkhead& bulkhead;
    ~Release() { bulkhead.release(); }
  } release{*bulkhead_};
  return inner_->call(input, context);
}

}  // namespace mosaic::resilience
