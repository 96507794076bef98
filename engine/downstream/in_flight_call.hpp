#pragma once
// The cancellation state of one HTTP call, shared between the thread that owns the call and the
// thread that cancels it. The canceller only shuts the socket down (a blocked connect, send or
// receive then returns at once); the owner alone closes it, after detach(), so a descriptor is
// never closed under another thread nor shut down after it was reused for another socket.
#include <sys/socket.h>

#include <atomic>
#include <mutex>

namespace mosaic::downstream {

class InFlightCall {
 public:
  // Any thread: marks the call cancelled and shuts its current socket down.
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_.store(true, std::memory_order_release);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  // Owner: publishes the socket cancel() must shut down. False when the call is already
  // cancelled: the owner must not start a blocking step on that socket.
  bool attach(int fd) {
    std::lock_guard lock(mutex_);
    if (cancelled_.load(std::memory_order_acquire)) return false;
    fd_ = fd;
    return true;
  }

  // Owner: before the socket is closed or handed back to the pool.
  void detach() {
    std::lock_guard lock(mutex_);
    fd_ = -1;
  }

  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  int fd_ = -1;
  std::atomic<bool> cancelled_{false};
};

}  // namespace mosaic::downstream
