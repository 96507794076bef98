#pragma once
// A bulkhead per downstream: at most max_concurrent calls in flight, at most max_queue more
// waiting (first come, first served) for at most queue_timeout. Anything beyond fails at once
// with reason `shed`, so a hung downstream holds at most max_concurrent threads and sockets and
// the calls to every other downstream keep theirs.
//
// A waiting call also stops waiting when its deadline passes (timeout) or it is cancelled.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "mosaic/call_context.hpp"
#include "resilience/forwarding_downstream.hpp"
#include "resilience/resilience_series.hpp"

namespace mosaic::resilience {

class Bulkhead {
 public:
  struct Options {
    std::size_t max_concurrent = 64;
    std::size_t max_queue = 64;
    std::chrono::milliseconds queue_timeout{50};
  };

  explicit Bulkhead(Options options, std::shared_ptr<ResilienceSeries> series = nullptr);
  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  // Takes a slot (nullopt; give it back with release()) or says why not: shed, or the
  // context's interruption when it was cancelled or its deadline passed while waiting.
  std::optional<Failure> acquire(CallContext& context);
  void release();

  std::size_t in_flight() const;
  std::size_t queued() const;
  const Options& options() const { return options_; }

 private:
  struct Waiter {
    std::condition_variable wake;
    bool granted = false;
    bool interrupted = false;
  };
  void leave_queue(Waiter& waiter);  // mutex_ held

  const Options options_;
  const std::shared_ptr<ResilienceSeries> series_;
  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::deque<Waiter*> queue_;  // oldest first; a released slot goes to the front one
};

class BulkheadDownstream final : public ForwardingDownstream {
 public:
  BulkheadDownstream(std::shared_ptr<Downstream> inner, std::shared_ptr<Bulkhead> bulkhead)
      : ForwardingDownstream(std::move(inner)), bulkhead_(std::move(bulkhead)) {}
  CallResult call(const Json& input, CallContext& context) override;

 private:
  const std::shared_ptr<Bulkhead> bulkhead_;
};

}  // namespace mosaic::resilience
