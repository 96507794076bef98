#pragma once
// A thread of its own that runs `task` every `every` until destroyed: the housekeeping rounds
// (server/idle_thread_reaper, support/memory_trimmer). Destruction does not wait for the next
// round, only for a round that is running.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace mosaic::support {

class PeriodicThread {
 public:
  PeriodicThread(std::chrono::milliseconds every, std::function<void()> task);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  std::uint64_t rounds() const;  // rounds run so far

 private:
  void loop();

  const std::chrono::milliseconds every_;
  const std::function<void()> task_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t rounds_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace mosaic::support
