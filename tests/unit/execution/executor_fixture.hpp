#pragma once
// Compiles a pipeline from YAML text against one ScriptedDownstream ("svc", 1 s default timeout)
// and runs it through a real Executor with real pools and a real deadline timer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "config/engine_config.hpp"
#include "execution/executor.hpp"
#include "pipeline/pipeline_compiler.hpp"
#include "response/result_text.hpp"
#include "scripted_downstream.hpp"

namespace mosaic::testing {

struct BackgroundRecord {
  std::string request_id, step;
  bool ok = false;
  Json value;
  std::string reason;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mosaic-exec-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    handle_ = std::make_shared<pipeline::DownstreamHandle>();
    handle_->name = "svc";
    handle_->plugin = "scripted";
    handle_->downstream = downstream_;
    handle_->timeout = std::chrono::milliseconds(1000);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::shared_ptr<const pipeline::CompiledPipeline> compile(const std::string& yaml) {
    const auto path = dir_ / "p.yaml";
    std::ofstream(path) << yaml;
    config::Diagnostics diagnostics;
    auto config = config::load_pipeline_file(path.string(), diagnostics);
    EXPECT_TRUE(config) << diagnostics.str();
    if (!config) return nullptr;
    auto compiled = pipeline::compile_pipeline(
        *config, [this](const std::string& name) { return name == "svc" ? handle_ : nullptr; },
        diagnostics);
    EXPECT_TRUE(compiled) << diagnostics.str();
    if (!compiled) return nullptr;
    return std::make_shared<const pipeline::CompiledPipeline>(std::move(*compiled));
  }

  exec::ExecutionResult run(const std::shared_ptr<const pipeline::CompiledPipeline>& p,
                            std::vector<std::string> params = {"42"}) {
    exec::RequestInput input;
    input.request_id = "req-1";
    input.params = std::move(params);
    return executor_.run(p, std::move(input));
  }

  std::vector<BackgroundRecord> wait_background(std::size_t count,
                                                std::chrono::milliseconds bound) {
    std::unique_lock lock(bg_mutex_);
    bg_changed_.wait_for(lock, bound, [&] { return background_.size() >= count; });
    return background_;
  }

  static std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t)
        .count();
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::shared_ptr<ScriptedDownstream> downstream_ = std::make_shared<ScriptedDownstream>();
  std::shared_ptr<pipeline::DownstreamHandle> handle_;
  // Declared before the pools: background tasks still running at teardown write into them.
  std::mutex bg_mutex_;
  std::condition_variable bg_changed_;
  std::vector<BackgroundRecord> background_;
  exec::DeadlineTimer timer_;
  exec::WorkerPool steps_{{"steps", 64, 64, std::chrono::seconds(5)}};
  exec::WorkerPool background_pool_{{"background", 4, 16, std::chrono::seconds(5)}};
  exec::Executor executor_{exec::Executor::Options{
      &steps_, &background_pool_, &timer_, nullptr,
      [this](const std::string& request_id, const pipeline::CompiledPipeline& p, std::size_t step,
             const CallResult& result) {
        std::lock_guard lock(bg_mutex_);
        background_.push_back({request_id, p.steps[step].name, result.ok(),
                               result.ok() ? response::result_json(result) : Json(),
                               result.ok() ? std::string() : result.failure().reason()});
        bg_changed_.notify_all();
      },
      std::chrono::milliseconds(20)}};
};

}  // namespace mosaic::testing
