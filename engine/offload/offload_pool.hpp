#pragma once
// A fixed set of threads for CPU-heavy work (parsing a large body, shaping and serializing a
// large response, a plugin's hashing or signing), so that it runs on a bounded number of cores
// instead of on every request thread at once.
//
//   - threads: fixed, one per core by default;
//   - a bounded queue: a task that finds it full is refused at once (the request answers 503
//     `overloaded`) instead of piling up;
//   - a task waits in the queue no longer than the deadline it was given (min(request deadline,
//     now + offload.timeout)); past it, it never runs and its caller hears kExpired;
//   - the caller waits for its task. A task that started is waited for to the end, so it may use
//     the caller's locals; a long task checks its cancel token and returns early.
// Every wait in the queue is observed in mosaic_queue_wait_seconds{queue="offload"}.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mosaic::metrics {
class Counter;
class Histogram;
}  // namespace mosaic::metrics

namespace mosaic::offload {

using Clock = std::chrono::steady_clock;

class OffloadPool {
 public:
  struct Options {
    std::string name = "offload";
    std::size_t threads = 0;  // 0: std::thread::hardware_concurrency()
    std::size_t queue = 128;
    std::size_t threshold = 100 * 1024;
    std::chrono::milliseconds timeout{1000};
    // How much nicer than the process the pool's threads run (0..19). With as many offload
    // threads as cores, heavy work could otherwise take every core from the request threads;
    // niced, it gets the CPU they leave.
    int nice = 0;
  };

  enum class Outcome {
    kDone,       // the task ran to its end (an exception it threw is rethrown by wait/run)
    kRefused,    // the queue was full (or the pool is stopping): the task never ran
    kExpired,    // its deadline passed while it was queued: it never ran
    kWithdrawn,  // withdraw() took it back while it was queued: it never ran
  };

  class Job;
  using JobPtr = std::shared_ptr<Job>;

  explicit OffloadPool(Options options);
  ~OffloadPool();  // queued tasks are withdrawn; running ones finish
  OffloadPool(const OffloadPool&) = delete;
  OffloadPool& operator=(const OffloadPool&) = delete;

  // True when a payload of `bytes` should leave the request thread.
  bool should_offload(std::size_t bytes) const { return bytes >= options_.threshold; }
  // The queue deadline for a task of a request that must answer by `deadline`.
  Clock::time_point queue_deadline(Clock::time_point deadline) const;

  // Queues `task`; null when the queue is full.
  JobPtr try_submit(std::function<void()> task, Clock::time_point queue_deadline);
  // Waits for a submitted job: until it ran, or until its queue deadline passed or it was
  // withdrawn while still queued. Rethrows what the task threw.
  Outcome wait(const JobPtr& job);
  // From any thread (e.g. a cancellation callback): a job still queued will not run, and its
  // waiter returns kWithdrawn. A running job is left alone.
  void withdraw(const JobPtr& job);
  // try_submit and wait.
  Outcome run(std::function<void()> task, Clock::time_point queue_deadline);

  const Options& options() const { return options_; }
  struct Stats {
    std::size_t threads = 0, busy = 0, queued = 0;
  };
  Stats stats() const;

 private:
  void worker();
  void finish_unrun(const JobPtr& job, int state);  // mutex_ held

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::deque<JobPtr> queue_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  metrics::Histogram* wait_metric_;
  metrics::Counter* done_metric_;
  metrics::Counter* refused_metric_;
  metrics::Counter* expired_metric_;
  metrics::Counter* withdrawn_metric_;
  std::uint64_t queue_gauge_id_ = 0;
  std::uint64_t busy_gauge_id_ = 0;
};

// Names for logs and failures.
const char* to_string(OffloadPool::Outcome outcome);

}  // namespace mosaic::offload
