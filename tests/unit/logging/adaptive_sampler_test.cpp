// The adaptive rate: up when the error rate over the last minute passes a threshold, down when
// it calms, each change reported once. The clock is injected: no sleeping.
#include "logging/adaptive_sampler.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "log_capture.hpp"
#include "logging/log_writer.hpp"

namespace mosaic::logging {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::LogFile;
using mosaic::testing::str;

struct ManualClock {
  AdaptiveSampler::Clock::time_point now = AdaptiveSampler::Clock::time_point() + 1000h;
  std::function<AdaptiveSampler::Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

// One second of traffic: `requests` requests, `errors` of them 5xx.
void second_of(AdaptiveSampler& sampler, ManualClock& clock, int requests, int errors) {
  clock.now += 1s;
  for (int i = 0; i < requests; ++i) sampler.note_request(i < errors);
}

TEST(AdaptiveSampler, RisesWithTheErrorRateAndFallsBackWhenCalm) {
  ManualClock clock;
  AdaptiveSampler sampler({0.1, true, clock.fn()});
  std::vector<std::pair<double, double>> changes;
  sampler.set_change_handler(
      [&](double before, double after, double) { changes.emplace_back(before, after); });

  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 0);
  EXPECT_EQ(sampler.rate(), 0.1);
  EXPECT_TRUE(changes.empty());

  // 2% errors: past 1%, so at least half of the requests are logged.
  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 2);
  EXPECT_EQ(sampler.rate(), 0.5);
  // 10% errors: everything.
  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 10);
  EXPECT_EQ(sampler.rate(), 1.0);
  // Between the thresholds (3%): stays at 1.0 (lowered only below 2.5%).
  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 3);
  EXPECT_EQ(sampler.rate(), 1.0);
  // 1%: back to 0.5, and it holds there while the rate stays above 0.5%.
  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 1);
  EXPECT_EQ(sampler.rate(), 0.5);
  // Calm: back to the base rate once the errors have left the one-minute window.
  for (int s = 0; s < 70; ++s) second_of(sampler, clock, 100, 0);
  EXPECT_EQ(sampler.rate(), 0.1);

  const std::vector<std::pair<double, double>> expected = {
      {0.1, 0.5}, {0.5, 1.0}, {1.0, 0.5}, {0.5, 0.1}};
  EXPECT_EQ(changes, expected);  // each change reported exactly once
}

TEST(AdaptiveSampler, LooksAtTheLastMinuteOnly) {
  ManualClock clock;
  AdaptiveSampler sampler({0.1, true, clock.fn()});
  // A burst of errors long ago...
  second_of(sampler, clock, 100, 100);
  EXPECT_EQ(sampler.rate(), 1.0);
  // ...is forgotten after a minute of clean traffic.
  for (int s = 0; s < 59; ++s) second_of(sampler, clock, 100, 0);
  EXPECT_EQ(sampler.rate(), 0.5);  // still inside the window: 100 errors in 6000 requests (1.7%)
  for (int s = 0; s < 5; ++s) second_of(sampler, clock, 100, 0);
  EXPECT_EQ(sampler.rate(), 0.1);
}

TEST(AdaptiveSampler, NotAdaptiveKeepsTheConfiguredRate) {
  ManualClock clock;
  AdaptiveSampler sampler({0.1, false, clock.fn()});
  for (int s = 0; s < 10; ++s) second_of(sampler, clock, 100, 100);
  EXPECT_EQ(sampler.rate(), 0.1);
}

TEST(AdaptiveSampler, ABaseRateAboveTheLevelsStays) {
  ManualClock clock;
  AdaptiveSampler sampler({0.8, true, clock.fn()});
  for (int s = 0; s < 10; ++s) second_of(sampler, clock, 100, 2);
  EXPECT_EQ(sampler.rate(), 0.8);
  for (int s = 0; s < 10; ++s) second_of(sampler, clock, 100, 50);
  EXPECT_EQ(sampler.rate(), 1.0);
}

TEST(AdaptiveSampler, EachChangeIsLoggedOnceAsAWarnLine) {
  LogFile file;
  ManualClock clock;
  {
    LogWriter::Options options;
    options.sink = file.sink();
    options.sample_rate = 0.1;
    options.adaptive = true;
    options.sampler_clock = clock.fn();
    LogWriter writer(options);
    for (int s = 0; s < 5; ++s) second_of(writer.sampler(), clock, 100, 20);
    for (int s = 0; s < 70; ++s) second_of(writer.sampler(), clock, 100, 0);
    ASSERT_TRUE(writer.flush());
  }
  std::vector<std::string> messages;
  for (const auto& line : file.lines()) {
    EXPECT_EQ(str(line, "level"), "warn");
    messages.push_back(str(line, "message"));
  }
  // Up to 1.0 at once (20% errors); down in two steps as the errors leave the window.
  EXPECT_EQ(messages, (std::vector<std::string>{"log sample rate raised", "log sample rate lowered",
                                                "log sample rate lowered"}));
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("sample_rate").to_number<double>(), 1.0);
  EXPECT_EQ(lines[0].at("previous_rate").to_number<double>(), 0.1);
  EXPECT_EQ(lines[1].at("sample_rate").to_number<double>(), 0.5);
  EXPECT_EQ(lines[2].at("sample_rate").to_number<double>(), 0.1);
}

}  // namespace
}  // namespace mosaic::logging
