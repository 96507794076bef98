#pragma once
// server.max_active: at most that many requests run their pipeline at once; the others wait for
// a turn in the order they arrived, each for a bounded time (then 503 overloaded).
//
// Why: a saturated CPU shared by every request in progress and all their step threads serves
// them in no particular order: on the dashboard at 64 connections, half the pages took under
// 2.5 ms and the slowest percent 70-80 ms. A few requests at a time, the rest queued first come
// first served, finish in about the same time each (docs/benchmarks.md, "Seventh run"). The wait
// costs each request a hand-off (one context switch), so the limit is off by default.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <utility>

namespace mosaic::metrics {
class Counter;
class Histogram;
}  // namespace mosaic::metrics

namespace mosaic::server {

class AdmissionGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AdmissionGate(std::size_t max_active);
  AdmissionGate(const AdmissionGate&) = delete;
  AdmissionGate& operator=(const AdmissionGate&) = delete;

  // A turn to run; leaving the scope hands it to the first waiter.
  class Turn {
   public:
    Turn() = default;
    explicit Turn(AdmissionGate* gate) : gate_(gate) {}
    Turn(Turn&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Turn& operator=(Turn&& other) noexcept {
      if (this != &other) {
        release();
        gate_ = std::exchange(other.gate_, nullptr);
      }
      return *this;
    }
    ~Turn() { release(); }
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    void release() {
      if (gate_) std::exchange(gate_, nullptr)->leave();
    }
    AdmissionGate* gate_ = nullptr;
  };

  // Waits for a turn until `until`; an empty Turn when none came by then (counted as refused).
  Turn enter(Clock::time_point until);

  struct Stats {
    std::size_t active = 0, waiting = 0;
    std::uint64_t admitted = 0, refused = 0;
  };
  Stats stats() const;

 private:
  struct Waiter {
    std::condition_variable turn;
    bool admitted = false;
  };
  void leave();

  const std::size_t max_active_;
  mutable std::mutex mutex_;
  std::size_t active_ = 0;
  std::list<Waiter*> waiting_;  // first come first served
  std::uint64_t admitted_ = 0;
  std::uint64_t refused_ = 0;
  metrics::Histogram* wait_metric_;
  metrics::Counter* refused_metric_;
};

}  // namespace mosaic::server
