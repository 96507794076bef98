#pragma once
// Everything a downstream call may know about the request it serves. A call is blocking from the
// plugin's point of view; the context tells it how long it has and lets it hear a cancellation.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include "mosaic/cancellation.hpp"
#include "mosaic/failure.hpp"
#include "mosaic/logger.hpp"

namespace mosaic {

using Clock = std::chrono::steady_clock;

class CallContext {
 public:
  virtual ~CallContext() = default;

  // The id of the front end's request; send it downstream so logs can be joined.
  virtual std::string_view request_id() const = 0;

  // When this call must be finished: min(step timeout, request deadline).
  virtual Clock::time_point deadline() const = 0;

  // True once the deadline passed or the request gave up on this call.
  virtual bool cancelled() const = 0;

  // The failure that describes why the call was interrupted (timeout or cancelled).
  // Meaningful once cancelled() is true.
  virtual Failure interruption() const = 0;

  // Runs `fn` once when the call is cancelled or its deadline passes (at once, on this thread,
  // if that already happened). `fn` must be quick and must not block: typically it shuts a socket
  // down so that a blocked read returns.
  virtual CancelRegistration on_cancel(std::function<void()> fn) = 0;

  // Sleeps for `duration`, or less if the call is cancelled first. Returns false when cancelled.
  virtual bool wait_for(Clock::duration duration) = 0;

  virtual Logger& logger() = 0;

  std::chrono::milliseconds time_left() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - Clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  }

  // --- ABI 2: CPU offload. New virtuals go at the end so the earlier slots keep their place.

  // True when `bytes` of CPU work (a body to parse, a payload to hash or sign) is large enough
  // (offload.threshold, default 100 KiB) to leave the calling thread for the engine's offload
  // pool. Small work is cheaper inline.
  virtual bool should_offload(std::size_t bytes) const {
    (void)bytes;
    return false;
  }

  // Runs `fn` on the engine's offload pool and waits for it. nullopt: `fn` ran to its end
  // (an exception it threw is rethrown here). Otherwise `fn` never ran and the Failure says why:
  // shed (the pool's queue is full: refused at once), timeout (the deadline or offload.timeout
  // passed while it was queued) or cancelled. Because a started `fn` is always waited for, it
  // may capture locals by reference; a long `fn` should check cancelled() and stop early.
  virtual std::optional<Failure> offload(std::function<void()> fn) {
    fn();
    return std::nullopt;
  }
};

}  // namespace mosaic
