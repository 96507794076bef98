#include "support/memory_trimmer.hpp"

#include <malloc.h>

namespace mosaic::support {

MemoryTrimmer::MemoryTrimmer(std::chrono::milliseconds every)
    : every_(every), thread_([this] { loop(); }) {}

MemoryTrimmer::~MemoryTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t MemoryTrimmer::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

void MemoryTrimmer::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    ::malloc_trim(0);
    lock.lock();
    ++rounds_;
  }
}

}  // namespace mosaic::support
