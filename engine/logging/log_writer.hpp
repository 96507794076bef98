#pragma once
// The one thread that writes log lines. Request threads only format a line and push it into a
// bounded queue; when the sink stalls and the queue is full, lines are dropped and counted rather
// than blocking a request.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "mosaic/logger.hpp"

namespace mosaic::logging {

class LogWriter {
 public:
  struct Options {
    int fd = 2;                   // stderr by default
    std::size_t max_queued = 8192;
    LogLevel level = LogLevel::kInfo;
    bool off = false;
  };
  explicit LogWriter(Options options);
  ~LogWriter();  // flushes what is queued
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  bool enabled(LogLevel level) const { return !options_.off && level >= options_.level; }
  void push(std::string line);  // never blocks on I/O
  void flush();                 // waits until everything queued so far is written (tests, shutdown)

  std::uint64_t written() const { return written_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void run();

  const Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace mosaic::logging
