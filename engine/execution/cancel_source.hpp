#pragma once
// One cancellation signal with a reason. Callbacks run exactly once, outside the lock; a
// registration that is reset while its callback runs on another thread waits for it to finish,
// so a callback may capture anything that outlives its registration.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "mosaic/call_context.hpp"
#include "mosaic/cancellation.hpp"

namespace mosaic::exec {

enum class CancelReason { kNone, kDeadline, kCancelled };

class CancelSource : public std::enable_shared_from_this<CancelSource> {
 public:
  // Returns true when this call cancelled it (the first reason wins).
  bool cancel(CancelReason reason);
  CancelReason reason() const;
  bool cancelled() const { return reason() != CancelReason::kNone; }

  // Runs fn at once (on this thread) if already cancelled.
  CancelRegistration on_cancel(std::function<void()> fn);

  // Sleeps until `until` or cancellation. Returns false when cancelled.
  bool wait_until(Clock::time_point until);

 private:
  void unregister(std::uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  CancelReason reason_ = CancelReason::kNone;
  std::map<std::uint64_t, std::function<void()>> callbacks_;
  std::uint64_t next_id_ = 1;
  bool firing_ = false;
  std::thread::id firing_thread_;
};

}  // namespace mosaic::exec
