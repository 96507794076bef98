#include "support/periodic_thread.hpp"

#include <utility>

namespace mosaic::support {

PeriodicThread::PeriodicThread(std::chrono::milliseconds every, std::function<void()> task)
    : every_(every), task_(std::move(task)), thread_([this] { loop(); }) {}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t PeriodicThread::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

void PeriodicThread::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    task_();
    lock.lock();
    ++rounds_;
  }
}

}  // namespace mosaic::support
