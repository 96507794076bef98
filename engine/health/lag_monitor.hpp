#pragma once
// The process's "event loop lag": a thread that asks to wake every `tick` and measures how late
// it actually wakes. A normal-priority thread wakes late when the process cannot get a core:
// every core busy with request or offload work, the cgroup's CPU quota used up (the whole
// process is frozen until the next period), swapping, a stop-the-world stall. Nothing of that
// shows in a CPU profile of the process itself; the lateness shows it.
//
// Lateness goes to mosaic_lag_seconds (a histogram); a tick later than `warn` earns a warn line
// (at most one a second, with the worst lag and the number of late ticks since the last line).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace mosaic::metrics {
class Histogram;
}
namespace mosaic::logging {
class LogWriter;
}

namespace mosaic::health {

class LagMonitor {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::milliseconds tick{100};
    std::chrono::milliseconds warn{50};
    // Runs on the monitor thread after each tick (tests use it to block the "loop").
    std::function<void()> on_tick;
  };

  LagMonitor(Options options, logging::LogWriter* log);
  ~LagMonitor();
  LagMonitor(const LagMonitor&) = delete;
  LagMonitor& operator=(const LagMonitor&) = delete;

  struct Stats {
    std::uint64_t ticks = 0;
    std::uint64_t late_ticks = 0;  // later than `warn`
    Clock::duration max_lag{};
    Clock::duration last_lag{};
  };
  Stats stats() const;

  // mosaic_lag_seconds (shared by every monitor of the process).
  static metrics::Histogram& lag_histogram();

 private:
  void run();

  const Options options_;
  logging::LogWriter* log_;
  metrics::Histogram& lag_;
  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace mosaic::health
