#include "execution/deadline_timer.hpp"

#include "support/thread_name.hpp"

namespace mosaic::exec {

DeadlineTimer::DeadlineTimer() : thread_([this] { run(); }) {}

DeadlineTimer::~DeadlineTimer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t DeadlineTimer::schedule(Clock::time_point when, std::function<void()> fn) {
  bool wake = false;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    auto it = queue_.emplace(when, std::make_pair(id, std::move(fn)));
    by_id_.emplace(id, it);
    // Usually later than the sleep already set (deadlines are now + a similar timeout, and a
    // cancelled one does not move the sleep): no wake-up, no context switch per request.
    if (when < waiting_until_) {
      waiting_until_ = when;  // what the thread sleeps until, even if this one is cancelled first
      wake = true;
    }
  }
  if (wake) wake_.notify_one();
  return id;
}

bool DeadlineTimer::cancel(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  queue_.erase(it->second);
  by_id_.erase(it);
  return true;
}

std::size_t DeadlineTimer::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

DeadlineTimer& DeadlineTimer::shared() {
  static DeadlineTimer timer;
  return timer;
}

std::uint64_t DeadlineTimer::wakeups() const {
  std::lock_guard lock(mutex_);
  return wakeups_;
}

void DeadlineTimer::run() {
  support::name_this_thread("deadlines");
  std::unique_lock lock(mutex_);
  while (!stop_) {
    const auto now = Clock::now();
    if (!queue_.empty() && queue_.begin()->first <= now) {
      auto first = queue_.begin();
      auto fn = std::move(first->second.second);
      by_id_.erase(first->second.first);
      queue_.erase(first);
      // While the callback runs the thread is awake: whatever is scheduled meanwhile is seen
      // when it loops, without a notify.
      waiting_until_ = Clock::time_point::min();
      lock.unlock();
      fn();
      lock.lock();
      continue;
    }
    // Sleep until the earliest deadline. With none (the last one was cancelled, as most are),
    // until the one slept for before, if it is still ahead: deadlines scheduled meanwhile are
    // later, so they need no notify either. Only an idle timer waits to be notified.
    // waiting_until_ is a copy: wait_until reads its deadline again after waking, and the entry
    // may have been cancelled (its node freed) while the lock was released.
    if (!queue_.empty()) {
      waiting_until_ = queue_.begin()->first;
    } else if (waiting_until_ <= now) {
      waiting_until_ = Clock::time_point::max();
    }
    if (waiting_until_ == Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, waiting_until_);
    }
    ++wakeups_;
  }
}

}  // namespace mosaic::exec
