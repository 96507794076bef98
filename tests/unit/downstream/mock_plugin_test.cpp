// The mock plugin (mock.so), loaded the way the engine loads it.
#include <gtest/gtest.h>

#include <thread>

#include "downstream/plugin_loader.hpp"
#include "downstream/plugin_services.hpp"
#include "fake_call_context.hpp"

namespace mosaic::downstream {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::CollectingLogger;
using mosaic::testing::FakeCallContext;

// The failure's reason, or "ok": never asserts on an outcome of the wrong kind.
template <class T>
std::string reason(const T& outcome) {
  return outcome.ok() ? "ok" : outcome.failure().reason();
}

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

class MockPluginTest : public ::testing::Test {
 protected:
  std::shared_ptr<Downstream> make(const std::string& config) {
    auto plugin = loader_.load("mock");
    DownstreamSpec spec{"fixture", config.empty() ? Json(nullptr) : json::parse(config), 1000ms};
    return keep_library_alive(plugin->create_downstream(spec, services_), plugin);
  }
  std::string config_error(const std::string& config) {
    try {
      make(config);
    } catch (const ConfigError& e) {
      return e.path() + ": " + e.what();
    }
    return "no error";
  }

  PluginLoader loader_{{MOSAIC_PLUGIN_DIR}};
  CollectingLogger logger_;
  EnginePluginServices services_{logger_};
};

TEST_F(MockPluginTest, ReturnsTheBody) {
  auto mock = make("");
  FakeCallContext context;
  auto result = mock->call(json::parse(R"({"body":{"user":{"id":7}}})"), context);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), json::parse(R"({"user":{"id":7}})"));
  auto empty = mock->call(nullptr, context);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty.value().is_null());
}

TEST_F(MockPluginTest, HonoursLatencyFromConfigAndFromWith) {
  auto mock = make(R"({"latency":"100ms"})");
  FakeCallContext context;
  auto start = Clock::now();
  ASSERT_TRUE(mock->call(nullptr, context).ok());
  auto took = since(start);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 600ms);

  start = Clock::now();
  ASSERT_TRUE(mock->call(json::parse(R"({"latency":"0ms"})"), context).ok());
  EXPECT_LT(since(start), 100ms);  // the 100 ms of config are overridden
}

TEST_F(MockPluginTest, LatencyIsCutByTheDeadline) {
  auto mock = make(R"({"latency":"5s"})");
  FakeCallContext context(100ms);
  auto start = Clock::now();
  auto result = mock->call(nullptr, context);
  EXPECT_LT(since(start), 600ms);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().kind, FailureKind::kTimeout);
}

TEST_F(MockPluginTest, JitterAddsUpToItsBound) {
  auto mock = make(R"({"latency":"10ms","jitter":"40ms","seed":1})");
  for (int i = 0; i < 5; ++i) {
    FakeCallContext context;
    auto start = Clock::now();
    ASSERT_TRUE(mock->call(nullptr, context).ok());
    auto took = since(start);
    EXPECT_GE(took, 10ms);
    EXPECT_LT(took, 500ms);
  }
}

TEST_F(MockPluginTest, HangReturnsWhenCancelled) {
  auto mock = make("");
  FakeCallContext context(10s);
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    context.cancel();
  });
  auto start = Clock::now();
  auto result = mock->call(json::parse(R"({"hang":true})"), context);
  auto took = since(start);
  canceller.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().kind, FailureKind::kCancelled);
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 1000ms);
}

TEST_F(MockPluginTest, HangRateOneHangsUntilTheDeadline) {
  auto mock = make(R"({"hang_rate":1.0})");
  FakeCallContext context(100ms);
  auto start = Clock::now();
  auto result = mock->call(nullptr, context);
  EXPECT_LT(since(start), 600ms);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().kind, FailureKind::kTimeout);
}

TEST_F(MockPluginTest, FailRateOneAlwaysFailsWithTheConfiguredStatus) {
  auto mock = make(R"({"fail_rate":1.0,"fail_status":500})");
  for (int i = 0; i < 20; ++i) {
    FakeCallContext context;
    auto result = mock->call(json::parse(R"({"body":1})"), context);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(reason(result), "status_500");
  }
  auto healthy = make(R"({"fail_rate":0})");
  FakeCallContext context;
  EXPECT_TRUE(healthy->call(nullptr, context).ok());
}

TEST_F(MockPluginTest, WithDecidesFailureAndStatus) {
  auto mock = make("");
  FakeCallContext context;
  EXPECT_EQ(reason(mock->call(json::parse(R"({"fail":true})"), context)), "status_503");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"status":418})"), context)), "status_418");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"fail":"yes"})"), context)), "bad_input");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"latency":"soon"})"), context)), "bad_input");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"nope":1})"), context)), "bad_input");
}

TEST_F(MockPluginTest, SeededFailuresRepeat) {
  auto run = [&] {
    auto mock = make(R"({"fail_rate":0.5,"seed":42})");
    std::string pattern;
    for (int i = 0; i < 64; ++i) {
      FakeCallContext context;
      pattern += mock->call(nullptr, context).ok() ? '.' : 'x';
    }
    return pattern;
  };
  std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find('x'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
}

TEST_F(MockPluginTest, FailureRateIsRoughlyHonouredAcrossThreads) {
  auto mock = make(R"({"fail_rate":0.5})");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        FakeCallContext context;
        if (!mock->call(nullptr, context).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(failures.load(), 700);  // 2000 draws at p = 0.5: about 1000
  EXPECT_LT(failures.load(), 1300);
}

TEST_F(MockPluginTest, ConfigErrorsNameTheKey) {
  EXPECT_EQ(config_error(R"({"fail_rate":2})"), "fail_rate: must be between 0 and 1");
  EXPECT_EQ(config_error(R"({"latency":"fast"})").rfind("latency: ", 0), 0u);
  EXPECT_EQ(config_error(R"({"fail_status":42})").rfind("fail_status: ", 0), 0u);
  EXPECT_EQ(config_error(R"({"latncy":"1ms"})"), "latncy: unknown key");
  EXPECT_EQ(config_error(R"({"latency":"1ms","jitter":"2ms","hang_rate":0.1,"seed":3})"),
            "no error");
}

TEST_F(MockPluginTest, DescribesItsWithKeys) {
  auto mock = make("");
  std::vector<std::string> keys = mock->accepted_with_keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"body", "latency", "fail", "hang", "status", "size"}));
}

TEST_F(MockPluginTest, SizeGeneratesADocumentParsedOnTheOffloadPoolWhenLarge) {
  auto mock = make("");
  FakeCallContext context;
  context.offload_from(100 * 1024);
  auto big = mock->call(json::parse(R"({"size":"300KiB"})"), context);
  ASSERT_TRUE(big.ok()) << big.failure().detail;
  const auto text_size = json::serialize(big.value()).size();
  EXPECT_GT(text_size, 250u * 1024);
  EXPECT_LE(text_size, 300u * 1024);
  EXPECT_EQ(big.value().at("count").as_int64(),
            static_cast<std::int64_t>(big.value().at("items").as_array().size()));
  EXPECT_EQ(context.offloaded(), 1);

  auto small = mock->call(json::parse(R"({"size":2048})"), context);
  ASSERT_TRUE(small.ok());
  EXPECT_LE(json::serialize(small.value()).size(), 2048u);
  EXPECT_EQ(context.offloaded(), 1);  // small work stays on the calling thread
}

TEST_F(MockPluginTest, ARefusedOffloadIsTheCallsFailure) {
  auto mock = make("");
  FakeCallContext context;
  context.offload_from(1024, Failure::Of(FailureKind::kShed, "offload queue full"));
  EXPECT_EQ(reason(mock->call(json::parse(R"({"size":"64KiB"})"), context)), "shed");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"size":"fast"})"), context)), "bad_input");
  EXPECT_EQ(reason(mock->call(json::parse(R"({"size":"1KiB","body":{}})"), context)), "bad_input");
}

}  // namespace
}  // namespace mosaic::downstream
