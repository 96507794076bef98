#pragma once
// A bounded pool of threads for blocking work (downstream calls). Threads start on demand up to
// max_threads and leave after being idle for a while; beyond that, tasks wait in a bounded queue;
// beyond that, try_submit refuses at once so the caller can shed instead of piling up.
// The time each task waits for a thread goes to mosaic_queue_wait_seconds{queue=<name>}.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace mosaic::metrics {
class Histogram;
}

namespace mosaic::exec {

class WorkerPool {
 public:
  struct Options {
    std::string name = "workers";
    std::size_t max_threads = 256;
    std::size_t max_queue = 1024;
    std::chrono::milliseconds idle_exit{30000};
  };

  explicit WorkerPool(Options options);
  ~WorkerPool();  // runs what is queued, then waits for every thread to leave
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(std::function<void()> task);
  // Waits until no task runs or waits (or `until`); true when the pool went idle.
  bool wait_idle(std::chrono::steady_clock::time_point until);

  struct Stats {
    std::size_t threads = 0, idle = 0, queued = 0;
    std::uint64_t rejected = 0;
    std::uint64_t accepted = 0;  // tasks taken since the pool was made
  };
  Stats stats() const;
  const Options& options() const { return options_; }

 private:
  void worker();

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable gone_;
  struct Queued {
    std::function<void()> task;
    std::chrono::steady_clock::time_point since;
  };
  std::deque<Queued> queue_;
  metrics::Histogram* wait_metric_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  std::size_t running_ = 0;  // tasks being run right now
  std::uint64_t rejected_ = 0;
  std::uint64_t accepted_ = 0;
  bool stopping_ = false;
};

}  // namespace mosaic::exec
