// Tests the downstream directly with a tiny fake CallContext (no engine, no server), then loads
// greeting.so the way the engine does and checks what it exports.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "greeting_downstream.hpp"
#include "mosaic/sdk.hpp"

namespace {

using namespace std::chrono_literals;

class NullLogger final : public mosaic::Logger {
 public:
  bool enabled(mosaic::LogLevel) const override { return false; }
  void log(mosaic::LogLevel, std::string_view, const mosaic::json::object&) override {}
};

// Enough of the engine's context for one call on the test's thread.
class FakeCallContext final : public mosaic::CallContext {
 public:
  explicit FakeCallContext(std::chrono::milliseconds timeout = 1s)
      : deadline_(mosaic::Clock::now() + timeout) {}

  std::string_view request_id() const override { return "test-request-1"; }
  mosaic::Clock::time_point deadline() const override { return deadline_; }
  bool cancelled() const override { return cancelled_ || mosaic::Clock::now() >= deadline_; }
  mosaic::Failure interruption() const override {
    return cancelled_ ? mosaic::Failure::Cancelled("cancelled by the test")
                      : mosaic::Failure::Timeout("deadline");
  }
  mosaic::CancelRegistration on_cancel(std::function<void()> fn) override {
    if (cancelled()) fn();
    return {};
  }
  bool wait_for(mosaic::Clock::duration duration) override {
    std::this_thread::sleep_until(std::min(mosaic::Clock::now() + duration, deadline_));
    return !cancelled();
  }
  mosaic::Logger& logger() override { return logger_; }

  void cancel() { cancelled_ = true; }

 private:
  mosaic::Clock::time_point deadline_;
  bool cancelled_ = false;
  NullLogger logger_;
};

class FakeServices final : public mosaic::PluginServices {
 public:
  std::shared_ptr<mosaic::HttpClient> http_client(const mosaic::HttpClientOptions&) override {
    return nullptr;
  }
  mosaic::Logger& logger() override { return logger_; }

 private:
  NullLogger logger_;
};

mosaic::Json json(std::string_view text) {
  return mosaic::json::parse(text);
}

TEST(GreetingDownstream, GreetsTheNameFromWith) {
  greeting::GreetingDownstream downstream(greeting::read_config(nullptr));
  FakeCallContext context;
  auto result = downstream.call(json(R"({"name": "Ada"})"), context);
  ASSERT_TRUE(result.ok()) << result.failure().reason();
  EXPECT_EQ(result.value(), json(R"({"message": "Hello, Ada!"})"));
}

TEST(GreetingDownstream, ReadsItsConfig) {
  greeting::GreetingDownstream downstream(
      greeting::read_config(json(R"({"greeting": "Welcome", "punctuation": "."})")));
  FakeCallContext context;
  auto result = downstream.call(json(R"({"name": "Grace"})"), context);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().at("message"), "Welcome, Grace.");
}

TEST(GreetingDownstream, RefusesAnUnknownOrBadConfigKeyByName) {
  try {
    greeting::read_config(json(R"({"greting": "Hi"})"));
    FAIL() << "a misspelt key must be refused";
  } catch (const mosaic::ConfigError& e) {
    EXPECT_EQ(e.path(), "greting");
  }
  try {
    greeting::read_config(json(R"({"latency": "soon"})"));
    FAIL() << "a bad duration must be refused";
  } catch (const mosaic::ConfigError& e) {
    EXPECT_EQ(e.path(), "latency");
  }
}

TEST(GreetingDownstream, RefusesAMissingName) {
  greeting::GreetingDownstream downstream(greeting::read_config(nullptr));
  FakeCallContext context;
  auto result = downstream.call(json(R"({"name": ""})"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().reason(), "bad_input");
}

TEST(GreetingDownstream, StopsAtItsDeadline) {
  greeting::GreetingDownstream downstream(greeting::read_config(json(R"({"latency": "10s"})")));
  FakeCallContext context(50ms);
  const auto start = std::chrono::steady_clock::now();
  auto result = downstream.call(json(R"({"name": "Ada"})"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().reason(), "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(GreetingDownstream, AnswersACancelledCallWithTheInterruption) {
  greeting::GreetingDownstream downstream(greeting::read_config(nullptr));
  FakeCallContext context;
  context.cancel();
  auto result = downstream.call(json(R"({"name": "Ada"})"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().reason(), "cancelled");
}

// What the engine checks before it calls anything in the library.
TEST(GreetingPlugin, ExportsADescriptorTheEngineAccepts) {
  void* library = ::dlopen(GREETING_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << ::dlerror();
  const auto* descriptor =
      static_cast<const MosaicPluginDescriptor*>(::dlsym(library, MOSAIC_PLUGIN_DESCRIPTOR_SYMBOL));
  ASSERT_NE(descriptor, nullptr) << "MOSAIC_PLUGIN(...) missing";
  EXPECT_EQ(descriptor->abi_version, MOSAIC_ABI_VERSION);
  EXPECT_EQ(descriptor->boost_version, static_cast<std::uint32_t>(MOSAIC_BOOST_VERSION));
  EXPECT_STREQ(descriptor->plugin_name, "greeting");

  mosaic::Plugin* plugin = descriptor->create();
  ASSERT_NE(plugin, nullptr);
  {
    FakeServices services;
    mosaic::DownstreamSpec spec{"greeter", json(R"({"greeting": "Hi"})"), 1s};
    auto downstream = plugin->create_downstream(spec, services);
    FakeCallContext context;
    auto result = downstream->call(json(R"({"name": "Ada"})"), context);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value().at("message"), "Hi, Ada!");
  }
  descriptor->destroy(plugin);
  ::dlclose(library);
}

}  // namespace
