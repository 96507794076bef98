#pragma once
// Everything a downstream call may know about the request it serves. A call is blocking from the
// plugin's point of view; the context tells it how long it has and lets it hear a cancellation.
#include <chrono>
#include <functional>
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
};

}  // namespace mosaic
