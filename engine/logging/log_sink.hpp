#pragma once
// Where log lines go: stdout, stderr or a file. Only the writer thread writes to a sink.
//
// A pipe, socket or terminal can stall (nobody reads it). The writer must then stay
// interruptible, without putting a shared file description into non-blocking mode (stdout is
// often shared with a shell or a supervisor): it waits for POLLOUT and writes at most PIPE_BUF
// bytes at a time, which a writable pipe always accepts without blocking.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mosaic::logging {

class LogSink {
 public:
  // "stdout", "stderr" or "file:/path" (opened for append, created 0644). Throws
  // std::runtime_error when the file cannot be opened.
  static std::unique_ptr<LogSink> open(const std::string& spec);
  // An fd the caller keeps owning (tests hand in one end of a pipe).
  static std::unique_ptr<LogSink> borrow(int fd);

  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  // Writes all of `data`. While the sink does not accept anything, asks `give_up(stalled_for)`
  // every 100 ms; true abandons the rest. False when not everything was written.
  bool write(std::string_view data, const std::function<bool(std::chrono::milliseconds)>& give_up);

  // Asks for the file to be reopened by path before the next write (SIGHUP after logrotate moved
  // it). Safe from any thread; nothing for stdout and stderr.
  void reopen() { reopen_requested_.store(true, std::memory_order_relaxed); }

  const std::string& describe() const { return description_; }

 private:
  LogSink(int fd, bool owned, std::string path, std::string description);
  void reopen_now();

  int fd_;
  bool owned_;
  bool stream_;  // pipe, socket or terminal: may stall
  std::string path_;
  std::string description_;
  std::atomic<bool> reopen_requested_{false};
};

}  // namespace mosaic::logging
