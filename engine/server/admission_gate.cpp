#include "server/admission_gate.hpp"

#include <utility>

#include "metrics/registry.hpp"

namespace mosaic::server {

AdmissionGate::AdmissionGate(std::size_t max_active)
    : max_active_(max_active),
      wait_metric_(&metrics::queue_wait_histogram("admission")),
      refused_metric_(&metrics::Registry::global().counter(
          "mosaic_admission_refused_total",
          "Requests answered 503 overloaded after waiting server.admission_wait for a turn "
          "(server.max_active)")) {}

AdmissionGate::Turn AdmissionGate::enter(Clock::time_point until) {
  const auto since = Clock::now();
  std::unique_lock lock(mutex_);
  if (active_ < max_active_ && waiting_.empty()) {
    ++active_;
    ++admitted_;
    lock.unlock();
    wait_metric_->observe(0.0);
    return Turn(this);
  }
  Waiter me;
  const auto place = waiting_.insert(waiting_.end(), &me);
  const bool admitted = me.turn.wait_until(lock, until, [&] { return me.admitted; });
  if (!admitted) {
    waiting_.erase(place);  // leave() erases only the waiters it admits
    ++refused_;
    lock.unlock();
    refused_metric_->inc();
    return Turn();
  }
  lock.unlock();
  wait_metric_->observe(std::chrono::duration<double>(Clock::now() - since).count());
  return Turn(this);
}

void AdmissionGate::leave() {
  std::lock_guard lock(mutex_);
  if (waiting_.empty()) {
    --active_;
    return;
  }
  // The turn passes straight to the first waiter: active_ stays, nobody can overtake it.
  Waiter* next = waiting_.front();
  waiting_.pop_front();
  next->admitted = true;
  ++admitted_;
  // Under the lock: once the waiter sees `admitted` it may return and its Waiter is gone.
  next->turn.notify_one();
}

AdmissionGate::Stats AdmissionGate::stats() const {
  std::lock_guard lock(mutex_);
  return {active_, waiting_.size(), admitted_, refused_};
}

}  // namespace mosaic::server
