#include "server/idle_thread_reaper.hpp"

#include <Poco/ThreadPool.h>

namespace mosaic::server {

IdleThreadReaper::IdleThreadReaper(Poco::ThreadPool& pool, std::chrono::milliseconds every)
    : pool_(pool), every_(every), thread_([this] { loop(); }) {}

IdleThreadReaper::~IdleThreadReaper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void IdleThreadReaper::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    pool_.collect();
    lock.lock();
  }
}

}  // namespace mosaic::server
