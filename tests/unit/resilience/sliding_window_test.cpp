#include "resilience/sliding_window.hpp"

#include <gtest/gtest.h>

namespace mosaic::resilience {
namespace {

using namespace std::chrono_literals;

TEST(SlidingWindow, CountsEachKindAndForgetsWhatLeftTheWindow) {
  SlidingWindow window(1s);
  const auto t0 = Clock::now();
  window.add(t0, 0);
  window.add(t0, 1, 3);
  window.add(t0 + 500ms, 0);
  EXPECT_EQ(window.count(t0 + 500ms, 0), 2u);
  EXPECT_EQ(window.count(t0 + 500ms, 1), 3u);
  // A bucket is a tenth of the window: events leave it between 0.9 and 1 window later.
  EXPECT_EQ(window.count(t0 + 1100ms, 1), 0u);
  EXPECT_EQ(window.count(t0 + 1100ms, 0), 1u);
  EXPECT_EQ(window.count(t0 + 2s, 0), 0u);
  window.add(t0 + 5s, 0);
  EXPECT_EQ(window.count(t0 + 5s, 0), 1u);  // a reused bucket starts from zero
  window.clear();
  EXPECT_EQ(window.count(t0 + 5s, 0), 0u);
}

}  // namespace
}  // namespace mosaic::resilience
