// A sink nobody reads must not slow the request side: lines are dropped and counted instead.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "log_capture.hpp"
#include "logging/context_logger.hpp"
#include "metrics/registry.hpp"

namespace mosaic::logging {
namespace {

using namespace std::chrono_literals;
using mosaic::testing::LogFile;
using mosaic::testing::str;

// A pipe whose write end is full and whose read end nobody reads (until the test drains it).
class FullPipe {
 public:
  FullPipe() {
    if (::pipe(fds_) != 0) throw std::runtime_error("pipe failed");
    // Fill it through our own non-blocking write: the logger's writes would now block.
    const int flags = ::fcntl(fds_[1], F_GETFL);
    ::fcntl(fds_[1], F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, 'x');
    while (::write(fds_[1], chunk.data(), chunk.size()) > 0) {
    }
    ::fcntl(fds_[1], F_SETFL, flags);  // back to blocking, as stdout usually is
  }
  ~FullPipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  // Reads whatever is there (unsticks a writer blocked on the pipe).
  void drain() {
    const int flags = ::fcntl(fds_[0], F_GETFL);
    ::fcntl(fds_[0], F_SETFL, flags | O_NONBLOCK);
    char buffer[65536];
    while (::read(fds_[0], buffer, sizeof buffer) > 0) {
    }
  }

 private:
  int fds_[2];
};

TEST(StalledSink, RequestSideLoggingDoesNotWaitAndDropsAreCounted) {
  FullPipe pipe;
  auto& dropped_metric = metrics::Registry::global().counter("mosaic_log_lines_dropped_total", "");
  const auto dropped_before = dropped_metric.value();
  LogWriter::Options options;
  options.fd = pipe.write_end();
  options.max_queued = 1000;
  options.stall_bound = 200ms;
  auto writer = std::make_unique<LogWriter>(options);

  // 100k log calls from four threads. A logger that writes (or waits for room) on the calling
  // thread would never finish while nobody reads the pipe.
  auto calls = std::async(std::launch::async, [&] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        ContextLogger logger(writer.get(), "req-" + std::to_string(t), "GET /x");
        for (int i = 0; i < 25000; ++i) logger.warn("still logging", {{"i", i}});
      });
    }
    for (auto& thread : threads) thread.join();
  });
  const bool finished = calls.wait_for(20s) == std::future_status::ready;
  if (!finished) pipe.drain();  // let the test end; the assertion below has already lost
  ASSERT_TRUE(finished) << "log calls blocked on a stalled sink";

  EXPECT_GE(writer->dropped(), 100000u - 2 * options.max_queued);
  EXPECT_GE(dropped_metric.value() - dropped_before, 100000u - 2 * options.max_queued);
  EXPECT_EQ(writer->written(), 0u);

  // Shutdown does not hang on the stalled sink either: it gives up after stall_bound.
  auto shutdown = std::async(std::launch::async, [&] { writer.reset(); });
  const bool stopped = shutdown.wait_for(20s) == std::future_status::ready;
  if (!stopped) pipe.drain();
  ASSERT_TRUE(stopped) << "the writer did not give up on a stalled sink at shutdown";
}

TEST(StalledSink, WritingResumesWhenTheReaderComesBack) {
  FullPipe pipe;
  LogWriter::Options options;
  options.fd = pipe.write_end();
  options.max_queued = 100;
  LogWriter writer(options);
  ContextLogger logger(&writer);
  for (int i = 0; i < 1000; ++i) logger.warn("line", {{"i", i}});
  EXPECT_GE(writer.dropped(), 800u);
  pipe.drain();
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      pipe.drain();
      std::this_thread::sleep_for(5ms);
    }
  });
  EXPECT_TRUE(writer.flush(10s));
  reader.join();
  EXPECT_GT(writer.written(), 0u);
}

TEST(FileSink, ReopenFollowsTheFileAfterLogrotateMovedIt) {
  LogFile file;
  const std::string rotated = file.path() + ".1";
  {
    LogWriter::Options options;
    options.sink = file.sink();
    LogWriter writer(options);
    ContextLogger logger(&writer);
    logger.info("before rotation");
    ASSERT_TRUE(writer.flush());
    std::filesystem::rename(file.path(), rotated);
    logger.info("still the old file");  // no reopen yet: the old file keeps receiving
    ASSERT_TRUE(writer.flush());
    writer.reopen();  // SIGHUP
    logger.info("after rotation");
    ASSERT_TRUE(writer.flush());
  }
  const auto old_lines = LogFile::read(rotated);
  std::filesystem::remove(rotated);
  ASSERT_EQ(old_lines.size(), 2u);
  EXPECT_EQ(str(old_lines[0], "message"), "before rotation");
  EXPECT_EQ(str(old_lines[1], "message"), "still the old file");
  const auto new_lines = file.lines();
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(str(new_lines[0], "message"), "after rotation");
}

TEST(FileSink, AnUnopenableFileFallsBackToStderrWithAnError) {
  LogWriter::Options options;
  options.sink = "file:/nonexistent-folder-for-mosaic/x.log";
  EXPECT_NO_THROW(LogWriter{options});
}

}  // namespace
}  // namespace mosaic::logging
