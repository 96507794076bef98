// CallContext::offload as a plugin sees it (StepContext), and the executor's own use of the pool
// for large answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>

#include "config/engine_config.hpp"
#include "execution/executor.hpp"
#include "execution/step_context.hpp"
#include "metrics/registry.hpp"
#include "pipeline/pipeline_compiler.hpp"

namespace mosaic::offload_test {
namespace {

using namespace std::chrono_literals;
using exec::CancelReason;
using exec::CancelSource;
using exec::StepContext;
using offload::OffloadPool;
using Status = exec::ExecutionResult::Status;

OffloadPool::Options pool_options(std::string name, std::size_t threads, std::size_t queue) {
  OffloadPool::Options o;
  o.name = std::move(name);
  o.threads = threads;
  o.queue = queue;
  o.threshold = 100 * 1024;
  o.timeout = 10s;
  return o;
}

// Keeps the pool's only thread busy until destroyed (which waits for the task to end, so the
// latches it uses outlive it).
struct Blocker {
  explicit Blocker(OffloadPool& p) : pool(p) {
    job = pool.try_submit(
        [this] {
          started.count_down();
          release.wait();
        },
        Clock::now() + 10s);
    started.wait();
  }
  ~Blocker() {
    release.count_down();
    pool.wait(job);
  }
  OffloadPool& pool;
  std::latch started{1}, release{1};
  OffloadPool::JobPtr job;
};

class StepOffloadTest : public ::testing::Test {
 protected:
  std::unique_ptr<StepContext> context(std::chrono::milliseconds timeout,
                                       const std::shared_ptr<CancelSource>& parent = nullptr) {
    auto c = std::make_unique<StepContext>("req-1", Clock::now() + timeout, parent, timer_,
                                           logging::ContextLogger());
    c->set_offload(&pool_);
    return c;
  }
  exec::DeadlineTimer timer_;
  OffloadPool pool_{pool_options("offload-step-test", 1, 1)};
};

TEST_F(StepOffloadTest, LargeWorkRunsOnThePoolAndSmallWorkIsNotOffered) {
  auto c = context(5s);
  EXPECT_FALSE(c->should_offload(1024));
  EXPECT_TRUE(c->should_offload(100 * 1024));
  std::thread::id ran_on;
  EXPECT_EQ(c->offload([&] { ran_on = std::this_thread::get_id(); }), std::nullopt);
  EXPECT_NE(ran_on, std::this_thread::get_id());

  StepContext without_pool("req-1", Clock::now() + 5s, nullptr, timer_, logging::ContextLogger());
  EXPECT_FALSE(without_pool.should_offload(1 << 30));
  EXPECT_EQ(without_pool.offload([&] { ran_on = std::this_thread::get_id(); }), std::nullopt);
  EXPECT_EQ(ran_on, std::this_thread::get_id());  // inline
}

TEST_F(StepOffloadTest, AFullQueueIsShed) {
  Blocker blocker(pool_);
  auto filler = pool_.try_submit([] {}, Clock::now() + 10s);  // the one queue slot
  ASSERT_TRUE(filler);
  auto c = context(5s);
  bool ran = false;
  const auto start = Clock::now();
  auto failure = c->offload([&] { ran = true; });
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason(), "shed");
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_FALSE(ran);
}

TEST_F(StepOffloadTest, TheStepDeadlineBoundsTheWaitInTheQueue) {
  Blocker blocker(pool_);
  auto c = context(60ms);
  bool ran = false;
  const auto start = Clock::now();
  auto failure = c->offload([&] { ran = true; });
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason(), "timeout");
  EXPECT_GE(Clock::now() - start, 50ms);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_FALSE(ran);
}

TEST_F(StepOffloadTest, ACancelledCallTakesItsTaskBack) {
  Blocker blocker(pool_);
  auto request = std::make_shared<CancelSource>();
  auto c = context(10s, request);
  bool ran = false;
  std::thread canceller([&] {
    std::this_thread::sleep_for(30ms);
    request->cancel(CancelReason::kCancelled);  // a critical sibling failed
  });
  const auto start = Clock::now();
  auto failure = c->offload([&] { ran = true; });
  canceller.join();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason(), "cancelled");
  EXPECT_LT(Clock::now() - start, 5s);  // not the 10 s deadline
  EXPECT_FALSE(ran);
}

// A downstream for the executor tests: `items: N` answers an array of N objects; `shed: true`
// fails as a full local pool would.
class PayloadDownstream : public Downstream {
 public:
  CallResult call(const Json& input, CallContext&) override {
    const auto& with = input.as_object();
    if (with.contains("shed")) return Failure::Of(FailureKind::kShed, "bulkhead full");
    json::array items;
    const Json& items_in = with.at("items");  // "${params.n}" renders a string
    const std::int64_t n = items_in.is_string() ? std::stoll(std::string(items_in.as_string()))
                                                : items_in.to_number<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i)
      items.emplace_back(json::object{{"id", i}, {"name", "item " + std::to_string(i)}});
    return Json(std::move(items));
  }
};

// Pipelines compiled against one PayloadDownstream ("svc"), run by an executor with an offload
// pool of one thread and one queue slot.
class ExecutorOffloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_->name = "svc";
    handle_->plugin = "payload";
    handle_->downstream = std::make_shared<PayloadDownstream>();
    handle_->timeout = 1000ms;
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::shared_ptr<const pipeline::CompiledPipeline> compile(const std::string& yaml) {
    std::ofstream(path_) << yaml;
    config::Diagnostics diagnostics;
    auto config = config::load_pipeline_file(path_, diagnostics);
    EXPECT_TRUE(config) << diagnostics.str();
    if (!config) return nullptr;
    auto compiled = pipeline::compile_pipeline(
        *config, [this](const std::string& name) { return name == "svc" ? handle_ : nullptr; },
        diagnostics);
    EXPECT_TRUE(compiled) << diagnostics.str();
    if (!compiled) return nullptr;
    return std::make_shared<const pipeline::CompiledPipeline>(std::move(*compiled));
  }
  exec::ExecutionResult run_offloaded(const std::shared_ptr<const pipeline::CompiledPipeline>& p) {
    exec::RequestInput input;
    input.request_id = "req-1";
    input.params = {"42"};
    return executor_with_pool_.run(p, std::move(input));
  }
  std::uint64_t done() const {
    return metrics::Registry::global()
        .counter("mosaic_offload_tasks_total", "",
                 {{"pool", "offload-exec-test"}, {"outcome", "done"}})
        .value();
  }

  exec::Executor::Options options_with_pool() {
    exec::Executor::Options options;
    options.step_pool = &steps_;
    options.background_pool = &background_pool_;
    options.timer = &timer_;
    options.offload = &pool_;
    return options;
  }

  const std::string path_ = (std::filesystem::temp_directory_path() /
                             ("mosaic-offload-" + std::to_string(::getpid()) + ".yaml"))
                                .string();
  std::shared_ptr<pipeline::DownstreamHandle> handle_ =
      std::make_shared<pipeline::DownstreamHandle>();
  exec::DeadlineTimer timer_;
  exec::WorkerPool steps_{{"steps", 16, 16, 5s}};
  exec::WorkerPool background_pool_{{"background", 2, 16, 5s}};
  OffloadPool pool_{pool_options("offload-exec-test", 1, 1)};
  exec::Executor executor_with_pool_{options_with_pool()};
};

constexpr const char* kPipeline = R"(
endpoint: GET /list/{n}
steps:
  list: { call: svc, with: { items: "${params.n}" } }
response:
  items: "${steps.list}"
)";

TEST_F(ExecutorOffloadTest, ALargeAnswerIsShapedAndSerializedOnThePool) {
  auto p = compile(kPipeline);
  const auto before = done();
  auto small = run_offloaded(p);  // params.n = 42: a few KiB
  ASSERT_EQ(small.status, Status::kOk);
  EXPECT_EQ(small.body().at("items").as_array().size(), 42u);
  EXPECT_EQ(done(), before);  // shaped on the request thread

  exec::RequestInput input;
  input.request_id = "req-2";
  input.params = {"5000"};  // ~150 KiB
  auto large = executor_with_pool_.run(p, std::move(input));
  ASSERT_EQ(large.status, Status::kOk);
  EXPECT_EQ(done(), before + 1);
  EXPECT_EQ(large.body().at("items").as_array().size(), 5000u);
}

TEST_F(ExecutorOffloadTest, AFullPoolAnswersOverloaded) {
  auto p = compile(kPipeline);
  Blocker blocker(pool_);
  auto filler = pool_.try_submit([] {}, Clock::now() + 10s);
  ASSERT_TRUE(filler);
  exec::RequestInput input;
  input.request_id = "req-3";
  input.params = {"5000"};
  const auto start = Clock::now();
  auto result = executor_with_pool_.run(p, std::move(input));
  EXPECT_EQ(result.status, Status::kOverloaded);
  EXPECT_EQ(result.reason, "offload queue full");
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST_F(ExecutorOffloadTest, ACriticalStepShedLocallyIsOverloadedNotADependencyFailure) {
  auto p = compile(R"(
endpoint: GET /x/{id}
steps:
  a: { call: svc, with: { shed: true } }
)");
  auto result = run_offloaded(p);
  EXPECT_EQ(result.status, Status::kOverloaded);
  EXPECT_EQ(result.reason, "shed");
}

}  // namespace
}  // namespace mosaic::offload_test
