#pragma once
// Gives memory that malloc holds free back to the system every `every` (glibc's malloc_trim):
// after a burst, freed pages in the middle of an arena stay resident until the arena is reused
// the same way, so RSS follows the peak rather than what is in use. One thread, asleep between
// rounds; a round costs about a millisecond with the arenas capped (support/malloc_arenas).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace mosaic::support {

class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::milliseconds every);
  ~MemoryTrimmer();  // stops at once, without waiting for the next round
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  std::uint64_t rounds() const;

 private:
  void loop();

  const std::chrono::milliseconds every_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t rounds_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mosaic::support
