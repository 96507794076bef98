// The `logging:`, `offload:` and `monitor:` sections: defaults, every key, and errors at their
// file:line:col.
#include <gtest/gtest.h>

#include "config/engine_config.hpp"
#include "config_test_support.hpp"
#include "runtime/reload.hpp"

namespace mosaic::config {
namespace {

using namespace std::chrono_literals;
using testing::HasError;
using testing::TempDir;

std::string engine_yaml(const std::string& sections) {
  return "downstreams:\n  users: { plugin: mock }\n" + sections;
}

TEST(LoggingOffloadConfig, DefaultsWhenAbsent) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", engine_yaml(""));
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->logging.level, LogLevel::kInfo);
  EXPECT_FALSE(config->logging.off);
  EXPECT_EQ(config->logging.sample_rate, 0.1);
  EXPECT_TRUE(config->logging.adaptive);
  EXPECT_EQ(config->logging.sink, "stderr");
  EXPECT_EQ(config->logging.max_field, 1024u);
  EXPECT_EQ(config->logging.slow_request, 1s);
  EXPECT_EQ(config->offload.threads, 0);  // one per core
  EXPECT_EQ(config->offload.threshold, 100u * 1024);
  EXPECT_EQ(config->offload.timeout, 1s);
  EXPECT_EQ(config->offload.nice, 10);
  EXPECT_EQ(config->monitor.tick, 100ms);
  EXPECT_EQ(config->monitor.lag_warn, 50ms);
}

TEST(LoggingOffloadConfig, ReadsEveryKey) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", engine_yaml(R"(logging:
  level: warn
  sample_rate: 0.25
  adaptive: false
  sink: file:logs/mosaic.log
  max_field: 4KiB
  slow_request: 250ms
  queue: 1000
offload: { threads: 3, queue: 16, threshold: 1MiB, timeout: 300ms, nice: 0 }
monitor: { tick: 20ms, lag_warn: 200ms }
)"));
  dir.mkdir("logs");
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_EQ(config->logging.level, LogLevel::kWarn);
  EXPECT_EQ(config->logging.sample_rate, 0.25);
  EXPECT_FALSE(config->logging.adaptive);
  EXPECT_EQ(config->logging.sink, "file:" + dir.path("logs/mosaic.log"));  // relative to the file
  EXPECT_EQ(config->logging.max_field, 4096u);
  EXPECT_EQ(config->logging.slow_request, 250ms);
  EXPECT_EQ(config->logging.queue, 1000);
  EXPECT_EQ(config->offload.threads, 3);
  EXPECT_EQ(config->offload.queue, 16);
  EXPECT_EQ(config->offload.threshold, 1u << 20);
  EXPECT_EQ(config->offload.timeout, 300ms);
  EXPECT_EQ(config->offload.nice, 0);
  EXPECT_EQ(config->monitor.tick, 20ms);
  EXPECT_EQ(config->monitor.lag_warn, 200ms);
}

TEST(LoggingOffloadConfig, LevelOffAndStdout) {
  TempDir dir;
  const std::string file =
      dir.write("mosaic.yaml", engine_yaml("logging: { level: off, sink: stdout }\n"));
  Diagnostics diagnostics;
  auto config = load_engine_config(file, diagnostics);
  ASSERT_TRUE(config) << diagnostics.str();
  EXPECT_TRUE(config->logging.off);
  EXPECT_EQ(config->logging.sink, "stdout");
}

TEST(LoggingOffloadConfig, ErrorsNameTheirPlace) {
  TempDir dir;
  const std::string file = dir.write("mosaic.yaml", engine_yaml(R"(logging:
  level: verbose
  sample_rate: 1.5
  adaptive: maybe
  sink: syslog
  max_field: 4
  colour: true
offload: { threads: 0, threshold: big, timeout: 5 }
monitor: { tick: 0ms, lag: 50ms }
)"));
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 4, 10, "bad level 'verbose'"));
  EXPECT_TRUE(HasError(diagnostics, file, 5, 16, "sample_rate must be a number from 0 to 1"));
  EXPECT_TRUE(HasError(diagnostics, file, 6, 13, "adaptive must be true or false"));
  EXPECT_TRUE(HasError(diagnostics, file, 7, 9, "bad sink 'syslog'"));
  EXPECT_TRUE(HasError(diagnostics, file, 8, 14, "max_field must be at least 16 bytes"));
  EXPECT_TRUE(HasError(diagnostics, file, 9, 3, "unknown key 'colour' in logging"));
  EXPECT_TRUE(HasError(diagnostics, file, 10, 21, "threads must be an integer from 1 to 256"));
  EXPECT_TRUE(HasError(diagnostics, file, 10, 35, "bad size 'big' for threshold"));
  EXPECT_TRUE(HasError(diagnostics, file, 10, 49, "bad duration '5' for timeout"));
  EXPECT_TRUE(HasError(diagnostics, file, 11, 18, "tick must be greater than 0"));
  EXPECT_TRUE(HasError(diagnostics, file, 11, 23, "unknown key 'lag' in monitor"));
  EXPECT_EQ(diagnostics.items().size(), 11u) << diagnostics.str();
}

TEST(LoggingOffloadConfig, AFileSinkMustBeWritable) {
  TempDir dir;
  const std::string file = dir.write(
      "mosaic.yaml", engine_yaml("logging: { sink: \"file:/nonexistent-mosaic-folder/x.log\" }\n"));
  Diagnostics diagnostics;
  EXPECT_FALSE(load_engine_config(file, diagnostics));
  EXPECT_TRUE(HasError(diagnostics, file, 3, 18,
                       "cannot write the log file '/nonexistent-mosaic-folder/x.log'"));
}

// The log writer, the offload pool and the lag monitor are built once: a reload that changes
// them is refused by name rather than silently ignored.
TEST(LoggingOffloadConfig, AReloadThatChangesTheseSectionsIsRefused) {
  EngineConfig running;
  running.file = "mosaic.yaml";
  EngineConfig next = running;
  Diagnostics same;
  runtime::check_restart_only_settings(running, next, same);
  EXPECT_TRUE(same.ok()) << same.str();

  next.logging.level = LogLevel::kDebug;
  next.offload.threads = 7;
  next.monitor.lag_warn = 10ms;
  Diagnostics changed;
  runtime::check_restart_only_settings(running, next, changed);
  ASSERT_EQ(changed.items().size(), 3u) << changed.str();
  EXPECT_NE(changed.str().find("logging cannot change on reload"), std::string::npos)
      << changed.str();
  EXPECT_NE(changed.str().find("offload cannot change on reload"), std::string::npos)
      << changed.str();
  EXPECT_NE(changed.str().find("monitor cannot change on reload"), std::string::npos)
      << changed.str();
}

}  // namespace
}  // namespace mosaic::config
