#include "health/lag_monitor.hpp"

#include "logging/log_writer.hpp"
#include "metrics/registry.hpp"

namespace mosaic::health {

namespace {

std::vector<double> lag_buckets() {
  return {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

double millis(LagMonitor::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

LagMonitor::LagMonitor(Options options, logging::LogWriter* log)
    : options_(std::move(options)), log_(log), lag_(lag_histogram()), thread_([this] { run(); }) {}

metrics::Histogram& LagMonitor::lag_histogram() {
  return metrics::Registry::global().histogram(
      "mosaic_lag_seconds",
      "How late the lag monitor's periodic tick woke up (CPU starvation, throttling)", {},
      lag_buckets());
}

LagMonitor::~LagMonitor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

LagMonitor::Stats LagMonitor::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void LagMonitor::run() {
  auto last_warn = Clock::now() - std::chrono::hours(1);
  std::uint64_t late_since_warn = 0;
  Clock::duration worst_since_warn{};
  Clock::time_point expected = Clock::now() + options_.tick;
  std::unique_lock lock(mutex_);
  while (true) {
    // Woken early only to stop; otherwise this wait is the measurement.
    if (stop_cv_.wait_until(lock, expected, [this] { return stopping_; })) break;
    const auto woke = Clock::now();
    const auto lag = woke > expected ? woke - expected : Clock::duration::zero();
    ++stats_.ticks;
    stats_.last_lag = lag;
    stats_.max_lag = std::max(stats_.max_lag, lag);
    const bool late = lag > options_.warn;
    if (late) {
      ++stats_.late_ticks;
      ++late_since_warn;
      worst_since_warn = std::max(worst_since_warn, lag);
    }
    lock.unlock();
    lag_.observe(std::chrono::duration<double>(lag).count());
    if (late && log_ && woke - last_warn >= std::chrono::seconds(1)) {
      log_->log(LogLevel::kWarn, "process lag: the monitor tick woke late",
                {{"lag_ms", millis(worst_since_warn)},
                 {"lag_warn_ms", options_.warn.count()},
                 {"late_ticks", late_since_warn}});
      last_warn = woke;
      late_since_warn = 0;
      worst_since_warn = {};
    }
    if (options_.on_tick) options_.on_tick();
    expected = woke + options_.tick;
    lock.lock();
  }
}

}  // namespace mosaic::health
