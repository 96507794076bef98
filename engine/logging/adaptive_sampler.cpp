#include "logging/adaptive_sampler.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace mosaic::logging {

namespace {

// splitmix64: a few nanoseconds a draw, one state per thread, no lock.
std::uint64_t next_random() {
  thread_local std::uint64_t state = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
           std::hash<std::thread::id>{}(std::this_thread::get_id());
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

AdaptiveSampler::AdaptiveSampler(Options options)
    : options_(std::move(options)), rate_(options_.base_rate) {
  marks_.push_back({now(), 0, 0});
}

bool AdaptiveSampler::decide() const {
  const double r = rate();
  if (r >= 1.0) return true;
  if (r <= 0.0) return false;
  return static_cast<double>(next_random() >> 11) * 0x1.0p-53 < r;
}

void AdaptiveSampler::note_request(bool error) {
  if (!options_.adaptive) return;
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (error) errors_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  std::int64_t last = last_second_.load(std::memory_order_relaxed);
  if (second != last &&
      last_second_.compare_exchange_strong(last, second, std::memory_order_relaxed)) {
    evaluate();
  }
}

double AdaptiveSampler::target(double error_rate, double current) const {
  const double base = options_.base_rate;
  double level = base;
  if (error_rate >= kRaiseToAll || (current >= 1.0 && error_rate >= kLowerFromAll)) {
    level = 1.0;
  } else if (error_rate >= kRaiseToHalf || (current >= 0.5 && error_rate >= kLowerFromHalf)) {
    level = 0.5;
  }
  return std::max(base, level);
}

void AdaptiveSampler::evaluate() {
  if (!options_.adaptive) return;
  double before = 0, after = 0, error_rate = 0;
  {
    std::lock_guard lock(evaluate_mutex_);
    const auto at = now();
    const std::uint64_t requests = requests_.load(std::memory_order_relaxed);
    const std::uint64_t errors = errors_.load(std::memory_order_relaxed);
    // The baseline is the oldest mark inside the window (or the last one before a quiet spell,
    // which counts nothing that happened outside the window anyway).
    while (marks_.size() > 1 && at - marks_.front().at > kWindow) marks_.pop_front();
    const Mark& base = marks_.front();
    const std::uint64_t window_requests = requests - base.requests;
    const std::uint64_t window_errors = errors - base.errors;
    error_rate = window_requests == 0
                     ? 0.0
                     : static_cast<double>(window_errors) / static_cast<double>(window_requests);
    marks_.push_back({at, requests, errors});
    before = rate();
    after = target(error_rate, before);
    if (after == before) return;
    rate_.store(after, std::memory_order_relaxed);
  }
  if (on_change_) on_change_(before, after, error_rate);
}

}  // namespace mosaic::logging
