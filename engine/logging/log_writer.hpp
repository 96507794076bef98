#pragma once
// The logging service: policy (level, per-request sampling, field size limit) applied on the
// calling thread, and one writer thread that formats and writes lines in batches.
//
// A request thread never waits for I/O: it pushes a record into a bounded queue and goes on.
// When the sink stalls (a full pipe, a slow disk) the queue fills and further lines are dropped
// and counted (mosaic_log_lines_dropped_total) instead of blocking anyone.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "logging/adaptive_sampler.hpp"
#include "logging/log_sink.hpp"
#include "mosaic/json.hpp"
#include "mosaic/logger.hpp"

namespace mosaic::metrics {
class Counter;
}

namespace mosaic::logging {

// What every line of one request shares. `sampled` is drawn once when the request starts.
struct LogScope {
  std::string request_id;
  std::string pipeline;
  bool sampled = true;
  std::string trace_id;  // W3C trace id, written as "trace_id" (empty: none)
};

struct LogRecord {
  std::chrono::system_clock::time_point time;
  LogLevel level = LogLevel::kInfo;
  std::string message;
  std::shared_ptr<const LogScope> scope;  // null: a process line (start-up, signals, monitors)
  std::string step;
  json::object fields;  // already limited to max_field each
};

class LogWriter {
 public:
  struct Options {
    int fd = 2;        // the sink when `sink` is empty (tests hand in a pipe)
    std::string sink;  // "stdout", "stderr" or "file:/path"
    std::size_t max_queued = 8192;
    LogLevel level = LogLevel::kInfo;
    bool off = false;  // nothing is written, the writer thread is not started
    double sample_rate = 1.0;
    bool adaptive = false;
    std::size_t max_field = 1024;
    std::chrono::milliseconds slow_request{1000};
    // At shutdown (and in flush), how long a stalled sink is waited for before the rest is dropped.
    std::chrono::milliseconds stall_bound{1000};
    // How long the writer lets lines gather before it writes a batch (flush() does not wait).
    std::chrono::milliseconds linger{20};
    std::function<AdaptiveSampler::Clock::time_point()> sampler_clock;  // tests
  };

  // Throws std::runtime_error when a file sink cannot be opened.
  explicit LogWriter(Options options);
  ~LogWriter();  // writes what is queued (a stalled sink is given up after stall_bound)
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // A process line at `level` would be written.
  bool enabled(LogLevel level) const { return !options_.off && level >= options_.level; }
  // A line of the request `scope` (null: process line): warn and error always, info and debug
  // only when the request was sampled.
  bool enabled(LogLevel level, const LogScope* scope) const {
    return enabled(level) && (level >= LogLevel::kWarn || scope == nullptr || scope->sampled);
  }

  // A new request's scope; the sampling decision is made here, once.
  std::shared_ptr<const LogScope> request_scope(std::string request_id, std::string pipeline,
                                                std::string trace_id = {}) const;

  // Builds the record on the calling thread (fields over max_field become "<name>_size") and
  // queues it. Never blocks on I/O. Checks enabled() itself.
  void log(LogLevel level, std::string_view message, const json::object& fields,
           const std::shared_ptr<const LogScope>& scope = nullptr, std::string_view step = {});
  // The same, taking the fields (no copy when they are all within max_field).
  void log(LogLevel level, std::string_view message, json::object&& fields,
           const std::shared_ptr<const LogScope>& scope = nullptr, std::string_view step = {});
  void push(LogRecord record);  // queues as is: dropped and counted when the queue is full

  // Waits until everything queued so far is written, at most `bound`. False on timeout.
  bool flush(std::chrono::milliseconds bound = std::chrono::seconds(2));
  // Reopens a file sink before the next write (SIGHUP, for logrotate).
  void reopen();

  AdaptiveSampler& sampler() { return sampler_; }
  const Options& options() const { return options_; }

  std::uint64_t written() const { return written_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t sampled_out() const { return sampled_out_.load(); }
  std::size_t queued() const;

 private:
  void run();
  void note_dropped(std::uint64_t n);

  const Options options_;
  AdaptiveSampler sampler_;
  std::unique_ptr<LogSink> sink_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::vector<LogRecord> queue_;
  bool writing_ = false;
  bool flush_requested_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  mutable std::atomic<std::uint64_t> sampled_out_{0};
  metrics::Counter* written_metric_;
  metrics::Counter* dropped_metric_;
  metrics::Counter* sampled_out_metric_;
  std::uint64_t queue_gauge_id_ = 0;
  std::uint64_t rate_gauge_id_ = 0;
  std::thread thread_;
};

const char* level_name(LogLevel level);

}  // namespace mosaic::logging
