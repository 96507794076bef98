#include "cache/cache_breaker.hpp"

namespace mosaic::cache {

const char* to_string(CacheBreaker::State state) {
  switch (state) {
    case CacheBreaker::State::kClosed:
      return "closed";
    case CacheBreaker::State::kOpen:
      return "open";
    case CacheBreaker::State::kProbing:
      return "probing";
  }
  return "unknown";
}

bool CacheBreaker::allow() {
  int s = state_.load(std::memory_order_acquire);
  if (s == static_cast<int>(State::kClosed)) return true;
  if (s == static_cast<int>(State::kProbing)) return false;  // one probe at a time
  if (now_ns() < probe_at_ns_.load(std::memory_order_acquire)) return false;
  return state_.compare_exchange_strong(s, static_cast<int>(State::kProbing),
                                        std::memory_order_acq_rel);
}

bool CacheBreaker::may_allow() const {
  const int s = state_.load(std::memory_order_acquire);
  if (s == static_cast<int>(State::kClosed)) return true;
  if (s == static_cast<int>(State::kProbing)) return false;
  return now_ns() >= probe_at_ns_.load(std::memory_order_acquire);
}

void CacheBreaker::open() {
  probe_at_ns_.store(
      now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.probe_after).count(),
      std::memory_order_release);
}

void CacheBreaker::record(bool ok) {
  if (ok) {
    failures_.store(0, std::memory_order_relaxed);
    const int before = state_.exchange(static_cast<int>(State::kClosed), std::memory_order_acq_rel);
    if (before != static_cast<int>(State::kClosed) && on_change_)
      on_change_(static_cast<State>(before), State::kClosed);
    return;
  }
  int s = state_.load(std::memory_order_acquire);
  if (s == static_cast<int>(State::kProbing)) {
    open();  // the probe failed: stay open, quietly (the open was already logged)
    state_.compare_exchange_strong(s, static_cast<int>(State::kOpen), std::memory_order_acq_rel);
    return;
  }
  if (s == static_cast<int>(State::kOpen)) return;  // a call that started before the trip
  if (failures_.fetch_add(1, std::memory_order_acq_rel) + 1 < options_.failures_to_trip) return;
  open();
  if (state_.compare_exchange_strong(s, static_cast<int>(State::kOpen),
                                     std::memory_order_acq_rel) &&
      on_change_) {
    on_change_(State::kClosed, State::kOpen);
  }
}

}  // namespace mosaic::cache
