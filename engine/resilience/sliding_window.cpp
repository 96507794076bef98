#include "resilience/sliding_window.hpp"

#include <algorithm>

namespace mosaic::resilience {

SlidingWindow::SlidingWindow(std::chrono::milliseconds window)
    : width_(
          std::max<Clock::duration>(std::chrono::duration_cast<Clock::duration>(window) / kBuckets,
                                    std::chrono::milliseconds(1))) {}

std::int64_t SlidingWindow::slot(Clock::time_point now) const {
  return static_cast<std::int64_t>(now.time_since_epoch() / width_);
}

SlidingWindow::Bucket& SlidingWindow::bucket_at(std::int64_t index) {
  Bucket& bucket = buckets_[static_cast<std::size_t>(index % static_cast<std::int64_t>(kBuckets))];
  if (bucket.index != index) {  // a bucket of an older turn of the ring: start it afresh
    bucket.index = index;
    bucket.counts = {};
  }
  return bucket;
}

void SlidingWindow::add(Clock::time_point now, int which, std::uint64_t n) {
  bucket_at(slot(now)).counts[static_cast<std::size_t>(which)] += n;
}

std::uint64_t SlidingWindow::count(Clock::time_point now, int which) {
  const std::int64_t current = slot(now);
  std::uint64_t total = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.index > current - static_cast<std::int64_t>(kBuckets) && bucket.index <= current) {
      total += bucket.counts[static_cast<std::size_t>(which)];
    }
  }
  return total;
}

void SlidingWindow::clear() {
  buckets_ = {};
}

}  // namespace mosaic::resilience
