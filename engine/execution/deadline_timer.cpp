#include "execution/deadline_timer.hpp"

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
  bool earliest = false;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    auto it = queue_.emplace(when, std::make_pair(id, std::move(fn)));
    by_id_.emplace(id, it);
    earliest = it == queue_.begin();
  }
  if (earliest) wake_.notify_one();
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

void DeadlineTimer::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = queue_.begin();
    if (first->first > Clock::now()) {
      // A copy: wait_until reads its deadline again after waking, and the entry may have been
      // cancelled (its node freed) while the lock was released.
      const Clock::time_point when = first->first;
      wake_.wait_until(lock, when);
      continue;
    }
    auto fn = std::move(first->second.second);
    by_id_.erase(first->second.first);
    queue_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace mosaic::exec
