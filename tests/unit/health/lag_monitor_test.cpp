// The lag monitor sees a stall of the thread it runs on (a core-bound loop where an event loop
// would be) in its histogram and in a warn line.
#include "health/lag_monitor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "logging/log_writer.hpp"
#include "metrics/registry.hpp"

namespace mosaic::health {
namespace {

using namespace std::chrono_literals;

// Observations above `seconds` in mosaic_lag_seconds so far.
std::uint64_t lag_observations_above(double seconds) {
  auto snapshot = LagMonitor::lag_histogram().snapshot();
  std::uint64_t at_or_below = 0;
  for (std::size_t i = 0; i < snapshot.bounds.size(); ++i) {
    if (snapshot.bounds[i] <= seconds) at_or_below = snapshot.cumulative[i];
  }
  return snapshot.count - at_or_below;
}

void spin_for(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  volatile std::uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;
}

class TempLog {
 public:
  TempLog()
      : path_((std::filesystem::temp_directory_path() /
               ("mosaic-lag-" + std::to_string(::getpid()) + ".log"))
                  .string()) {
    std::filesystem::remove(path_);
  }
  ~TempLog() { std::filesystem::remove(path_); }
  std::string text() const {
    std::ifstream in(path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LagMonitor, ABlockedLoopShowsInTheMetricAndAWarnLine) {
  TempLog log_file;
  logging::LogWriter::Options log_options;
  log_options.sink = "file:" + log_file.path();
  logging::LogWriter log(log_options);
  const auto above_before = lag_observations_above(0.05);

  std::atomic<int> ticks{0};
  {
    // The third tick runs a core-bound loop for 300 ms on the monitor's own thread, the way a
    // large JSON.parse would block an event loop: the next tick is ~280 ms late.
    LagMonitor monitor({20ms, 50ms,
                        [&] {
                          if (++ticks == 3) spin_for(300ms);
                        }},
                       &log);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (monitor.stats().late_ticks == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    const auto stats = monitor.stats();
    EXPECT_GE(stats.late_ticks, 1u);
    EXPECT_GE(stats.max_lag, 150ms);  // ~280 ms expected; the box being busy only adds to it
  }
  EXPECT_GE(lag_observations_above(0.05) - above_before, 1u);
  ASSERT_TRUE(log.flush());
  const std::string text = log_file.text();
  EXPECT_NE(text.find("\"level\":\"warn\""), std::string::npos) << text;
  EXPECT_NE(text.find("process lag"), std::string::npos) << text;
  EXPECT_NE(text.find("\"lag_ms\""), std::string::npos) << text;
}

TEST(LagMonitor, AnIdleProcessTicksOnTime) {
  LagMonitor monitor({10ms, 1000ms, {}}, nullptr);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (monitor.stats().ticks < 5 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  const auto stats = monitor.stats();
  EXPECT_GE(stats.ticks, 5u);
  EXPECT_EQ(stats.late_ticks, 0u);  // a second late would take a badly broken box
}

}  // namespace
}  // namespace mosaic::health
