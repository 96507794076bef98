#pragma once
// A fail-fast breaker in front of one cache server. libmemcached marks a refusing server dead by
// itself, but a hung one (accepting, never answering) costs the full poll timeout on every call
// and is never marked: after `failures_to_trip` consecutive failures the breaker opens and
// calls are refused at once (an atomic load, well under a microsecond). After `probe_after`
// exactly one call goes through as a probe; its success closes the breaker, its failure keeps
// it open for another `probe_after`.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace mosaic::cache {

class CacheBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State : int { kClosed = 0, kOpen = 1, kProbing = 2 };
  struct Options {
    int failures_to_trip = 3;
    std::chrono::milliseconds probe_after{1000};
  };
  // Called on closed -> open and on -> closed (not on each failed probe), from the thread that
  // made the change: log and count there.
  using OnChange = std::function<void(State from, State to)>;

  explicit CacheBreaker(Options options, OnChange on_change = {})
      : options_(options), on_change_(std::move(on_change)) {}

  // May this call go to the server? Every call allowed must be followed by record().
  bool allow();
  // Would a call be allowed now, without claiming the probe (for a whole-backend fast path)?
  bool may_allow() const;
  void record(bool ok);
  State state() const { return static_cast<State>(state_.load(std::memory_order_acquire)); }

 private:
  std::int64_t now_ns() const { return Clock::now().time_since_epoch().count(); }
  void open();

  Options options_;
  OnChange on_change_;
  std::atomic<int> state_{0};
  std::atomic<int> failures_{0};
  std::atomic<std::int64_t> probe_at_ns_{0};
};

const char* to_string(CacheBreaker::State state);

}  // namespace mosaic::cache
