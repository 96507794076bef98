// server.max_active through the real server: a request beyond the limit waits for a turn and then
// runs; one that gets no turn within server.admission_wait is answered 503 `overloaded` as JSON
// with its request id, counted, and the server goes on serving.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "engine_harness.hpp"

namespace mosaic::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One pipeline whose only step takes `latency` (the mock plugin), behind max_active: 1.
std::unique_ptr<EngineUnderTest> start(const std::string& latency, const std::string& wait) {
  const std::string downstreams =
      "  slow: { plugin: mock, timeout: 5s, config: { latency: " + latency + " } }\n";
  const std::string pipeline =
      "endpoint: GET /slow/{id}\ndeadline: 4s\nsteps:\n  a: { call: slow, class: critical }\n";
  return std::make_unique<EngineUnderTest>(
      downstreams, std::map<std::string, std::string>{{"slow.yaml", pipeline}},
      "admin: { listen: 127.0.0.1:0 }\n",
      "server: { listen: 127.0.0.1:0, threads: 8, max_active: 1, admission_wait: " + wait + " }\n");
}

// How many requests got a turn: the admission wait histogram's count.
double admitted_total(const EngineUnderTest& engine) {
  return engine.metric("mosaic_queue_wait_seconds_count{queue=\"admission\"}").value_or(0);
}

// Until the first request holds the only turn (a fixed sleep could lose the race to the second
// on a slow machine, which then would run first).
void wait_until_admitted(const EngineUnderTest& engine, double count) {
  const auto until = Clock::now() + 10s;
  while (admitted_total(engine) < count) {
    ASSERT_LT(Clock::now(), until) << "the first request never got its turn";
    std::this_thread::sleep_for(5ms);
  }
}

double refused_total(const EngineUnderTest& engine) {
  return engine.metric("mosaic_admission_refused_total").value_or(-1);
}

TEST(Admission, ARequestBeyondMaxActiveWaitsForItsTurnThenRuns) {
  auto engine = start("400ms", "3s");
  const auto first_started = Clock::now();
  auto first = std::async(std::launch::async, [&] { return engine->get("/slow/1"); });
  wait_until_admitted(*engine, 1);
  const HttpReply second = engine->get("/slow/2");
  const auto both = Clock::now() - first_started;
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(admitted_total(*engine), 2);
  // One after the other: two calls of 400 ms, not side by side.
  EXPECT_GE(both, 800ms);
  EXPECT_EQ(refused_total(*engine), 0);
}

TEST(Admission, ARequestThatGetsNoTurnInTimeIs503OverloadedWithItsRequestId) {
  auto engine = start("1500ms", "100ms");
  auto first = std::async(std::launch::async, [&] { return engine->get("/slow/1"); });
  wait_until_admitted(*engine, 1);
  const auto started = Clock::now();
  const HttpReply refused = engine->get("/slow/2", {{"X-Request-Id", "waiting-2"}});
  const auto waited = Clock::now() - started;
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("Content-Type"), "application/json");
  const Json body = refused.json();
  EXPECT_EQ(body.at("error"), "overloaded");
  EXPECT_EQ(body.at("request_id"), "waiting-2");
  EXPECT_EQ(refused.header("X-Request-Id"), "waiting-2");
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 1000ms);  // refused at admission_wait, not after the first finished
  EXPECT_EQ(refused_total(*engine), 1);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(engine->get("/slow/3").status, 200);  // the turn came back
}

TEST(Admission, NoLimitByDefault) {
  const std::string downstreams =
      "  slow: { plugin: mock, timeout: 5s, config: { latency: 400ms } }\n";
  const std::string pipeline =
      "endpoint: GET /slow/{id}\ndeadline: 4s\nsteps:\n  a: { call: slow, class: critical }\n";
  EngineUnderTest engine(downstreams, {{"slow.yaml", pipeline}});
  const auto started = Clock::now();
  auto a = std::async(std::launch::async, [&] { return engine.get("/slow/1"); });
  auto b = std::async(std::launch::async, [&] { return engine.get("/slow/2"); });
  EXPECT_EQ(a.get().status, 200);
  EXPECT_EQ(b.get().status, 200);
  EXPECT_LT(Clock::now() - started, 750ms);  // side by side, not one after the other
}

}  // namespace
}  // namespace mosaic::testing
