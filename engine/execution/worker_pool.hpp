#pragma once
// A bounded pool of threads for blocking work (downstream calls). Threads start on demand up to
// max_threads and leave after being idle for a while; beyond that, tasks wait in a bounded queue;
// beyond that, try_submit refuses at once so the caller can shed instead of piling up.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

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

  struct Stats {
    std::size_t threads = 0, idle = 0, queued = 0;
    std::uint64_t rejected = 0;
  };
  Stats stats() const;
  const Options& options() const { return options_; }

 private:
  void worker();

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable gone_;
  std::deque<std::function<void()>> queue_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  std::uint64_t rejected_ = 0;
  bool stopping_ = false;
};

}  // namespace mosaic::exec
