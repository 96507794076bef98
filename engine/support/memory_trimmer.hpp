#pragma once
// Gives memory that malloc holds free back to the system every `every` (glibc's malloc_trim):
// after a burst, freed pages in the middle of an arena stay resident until the arena is reused
// the same way, so RSS follows the peak rather than what is in use. One thread, asleep between
// rounds; a round costs about a millisecond with the arenas capped (support/malloc_arenas).
#include <chrono>
#include <cstdint>

#include "support/periodic_thread.hpp"

namespace mosaic::support {

class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::milliseconds every);

  std::uint64_t rounds() const { return thread_.rounds(); }

 private:
  PeriodicThread thread_;
};

}  // namespace mosaic::support
