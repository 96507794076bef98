#pragma once
// One thread that fires callbacks at deadlines: it turns "this call must be done by T" into a
// cancellation that really stops the call (the HTTP client shuts its socket down). A scheduled
// callback that is no longer wanted is cancelled, so nothing accumulates per request.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "mosaic/call_context.hpp"

namespace mosaic::exec {

class DeadlineTimer {
 public:
  DeadlineTimer();
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // `fn` must be quick: it runs on the timer thread.
  std::uint64_t schedule(Clock::time_point when, std::function<void()> fn);
  // Returns false when the callback already ran (or is running).
  bool cancel(std::uint64_t id);
  std::size_t pending() const;
  // How many times the timer thread woke up (a callback due, a new earliest deadline, or a
  // deadline that had been cancelled): what a request costs it beyond the mutex.
  std::uint64_t wakeups() const;

  // The process-wide timer used by the executor.
  static DeadlineTimer& shared();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::pair<std::uint64_t, std::function<void()>>> queue_;
  std::unordered_map<std::uint64_t, decltype(queue_)::iterator> by_id_;
  std::uint64_t next_id_ = 1;
  // When the timer thread will wake by itself (max: not before it is notified). A deadline later
  // than that needs no notify: when the thread wakes it sleeps again until the earliest one.
  Clock::time_point waiting_until_ = Clock::time_point::max();
  std::uint64_t wakeups_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// Cancels its scheduled callback when destroyed.
class ScheduledDeadline {
 public:
  ScheduledDeadline() = default;
  ScheduledDeadline(DeadlineTimer& timer, std::uint64_t id) : timer_(&timer), id_(id) {}
  ScheduledDeadline(ScheduledDeadline&& o) noexcept
      : timer_(std::exchange(o.timer_, nullptr)), id_(o.id_) {}
  ScheduledDeadline& operator=(ScheduledDeadline&& o) noexcept {
    if (this != &o) {
      reset();
      timer_ = std::exchange(o.timer_, nullptr);
      id_ = o.id_;
    }
    return *this;
  }
  ~ScheduledDeadline() { reset(); }
  void reset() {
    if (timer_) std::exchange(timer_, nullptr)->cancel(id_);
  }

 private:
  DeadlineTimer* timer_ = nullptr;
  std::uint64_t id_ = 0;
};

}  // namespace mosaic::exec
