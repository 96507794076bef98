#pragma once
// Two event counts over the last `window` of time, in ten buckets: old events leave the window a
// tenth of it at a time. Used for the breaker's successes/failures and for the retry and hedge
// budgets' calls/extra attempts. Not thread-safe: its owner holds a lock.
#include <array>
#include <chrono>
#include <cstdint>

#include "mosaic/call_context.hpp"

namespace mosaic::resilience {

class SlidingWindow {
 public:
  explicit SlidingWindow(std::chrono::milliseconds window);

  // Adds `n` events of kind `which` (0 or 1) at `now`.
  void add(Clock::time_point now, int which, std::uint64_t n = 1);
  // The events of kind `which` in (now - window, now].
  std::uint64_t count(Clock::time_point now, int which);
  void clear();

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t index = -1;  // the slot of time this bucket holds (time / bucket width)
    std::array<std::uint64_t, 2> counts{};
  };
  std::int64_t slot(Clock::time_point now) const;
  Bucket& bucket_at(std::int64_t index);

  Clock::duration width_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace mosaic::resilience
