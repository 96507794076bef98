#include "execution/cancel_source.hpp"

namespace mosaic::exec {

bool CancelSource::cancel(CancelReason reason) {
  std::map<std::uint64_t, std::function<void()>> to_run;
  {
    std::lock_guard lock(mutex_);
    if (reason_ != CancelReason::kNone) return false;
    reason_ = reason;
    to_run.swap(callbacks_);
    firing_ = true;
    firing_thread_ = std::this_thread::get_id();
  }
  changed_.notify_all();
  for (auto& [id, fn] : to_run) fn();
  {
    std::lock_guard lock(mutex_);
    firing_ = false;
  }
  changed_.notify_all();
  return true;
}

CancelReason CancelSource::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

CancelRegistration CancelSource::on_cancel(std::function<void()> fn) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (reason_ == CancelReason::kNone) {
      id = next_id_++;
      callbacks_.emplace(id, std::move(fn));
    }
  }
  if (id == 0) {
    fn();
    return {};
  }
  // The registration holds the source alive: a callback may be reset after its request is gone.
  return CancelRegistration([self = shared_from_this(), id] { self->unregister(id); });
}

void CancelSource::unregister(std::uint64_t id) {
  std::unique_lock lock(mutex_);
  if (callbacks_.erase(id) > 0) return;
  // Already taken by cancel(): wait until the callbacks ran, unless we are inside one of them.
  if (firing_ && firing_thread_ != std::this_thread::get_id()) {
    changed_.wait(lock, [this] { return !firing_; });
  }
}

bool CancelSource::wait_until(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_until(lock, until, [this] { return reason_ != CancelReason::kNone; });
}

}  // namespace mosaic::exec
