// Executor overhead: whole pipeline runs (scheduling, step contexts, deadlines, rendering, shaping)
// against an in-process downstream that answers at once, so what is measured is the engine alone.
// Steps that run in parallel go through the step pool (thread hand-offs): wall time is reported.
#include <benchmark/benchmark.h>

#include "execution/executor.hpp"
#include "micro_support.hpp"

namespace mosaic::micro {
namespace {

struct Engine {
  exec::DeadlineTimer timer;
  exec::WorkerPool steps{{"steps", 512, 1024, std::chrono::seconds(30)}};
  exec::WorkerPool background{{"background", 32, 1024, std::chrono::seconds(30)}};
  exec::Executor executor{exec::Executor::Options{
      &steps, &background, &timer, nullptr,
      [](const std::string&, const pipeline::CompiledPipeline&, std::size_t, const CallResult&) {},
      std::chrono::milliseconds(20)}};

  void run(benchmark::State& state, const std::shared_ptr<const pipeline::CompiledPipeline>& p) {
    for (auto _ : state) {
      exec::RequestInput input;
      input.request_id = "3f2a9c01d4e5b6a7980c1d2e3f4a5b6c";
      input.params = {"48213"};
      auto result = executor.run(p, std::move(input));
      if (result.status != exec::ExecutionResult::Status::kOk) state.SkipWithError("not ok");
      benchmark::DoNotOptimize(result);
    }
    background.wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
};

std::string fanout_yaml(int n) {
  std::string yaml = "endpoint: GET /fanout/{userId}\nsteps:\n";
  for (int i = 1; i <= n; ++i) {
    yaml += "  s" + std::to_string(i) + ": { call: items, with: { path: \"/item/" +
            std::to_string(i) + "/${params.userId}\" } }\n";
  }
  return yaml;
}

// One step: it runs on the calling thread, no hand-off.
void BM_ExecutorOneStep(benchmark::State& state) {
  Engine engine;
  engine.run(state, compile(R"(
endpoint: GET /profile/{userId}
steps:
  profile: { call: users, with: { path: "/profile/${params.userId}" } }
)"));
}
BENCHMARK(BM_ExecutorOneStep)->UseRealTime();

// N independent steps.
void BM_ExecutorFanout(benchmark::State& state) {
  Engine engine;
  engine.run(state, compile(fanout_yaml(static_cast<int>(state.range(0)))));
}
BENCHMARK(BM_ExecutorFanout)->Arg(2)->Arg(6)->Arg(12)->Arg(24)->UseRealTime();

// Four dependent steps, each reading the previous answer.
void BM_ExecutorChain4(benchmark::State& state) {
  Engine engine;
  engine.run(state, compile(R"(
endpoint: GET /chain/{userId}
steps:
  s1: { call: items, with: { path: "/item/1/${params.userId}" } }
  s2: { call: items, with: { path: "/item/2/${steps.s1.id}" } }
  s3: { call: items, with: { path: "/item/3/${steps.s2.id}" } }
  s4: { call: items, with: { path: "/item/4/${steps.s3.id}" } }
)"));
}
BENCHMARK(BM_ExecutorChain4)->UseRealTime();

// The suite's dashboard without its cache: 2 critical, 2 degradable, 2 background steps.
void BM_ExecutorDashboard(benchmark::State& state) {
  Engine engine;
  engine.run(state, compile(kDashboardYaml));
}
BENCHMARK(BM_ExecutorDashboard)->UseRealTime();

}  // namespace
}  // namespace mosaic::micro
