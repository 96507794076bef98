#include "execution/worker_pool.hpp"

#include <thread>

#include "metrics/registry.hpp"
#include "support/thread_name.hpp"

namespace mosaic::exec {

WorkerPool::WorkerPool(Options options)
    : options_(std::move(options)), wait_metric_(&metrics::queue_wait_histogram(options_.name)) {}

WorkerPool::~WorkerPool() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  work_.notify_all();
  gone_.wait(lock, [this] { return threads_ == 0; });
}

bool WorkerPool::try_submit(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  if (stopping_) return false;
  if (idle_ > queue_.size()) {
    ++accepted_;
    queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
    lock.unlock();
    work_.notify_one();
    return true;
  }
  if (threads_ < options_.max_threads) {
    ++accepted_;
    queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
    ++threads_;
    lock.unlock();
    std::thread([this] { worker(); }).detach();
    return true;
  }
  if (queue_.size() >= options_.max_queue) {
    ++rejected_;
    return false;
  }
  ++accepted_;
  queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
  lock.unlock();
  work_.notify_one();
  return true;
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mutex_);
  return {threads_, idle_, queue_.size(), rejected_, accepted_};
}

void WorkerPool::worker() {
  support::name_this_thread(options_.name);
  std::unique_lock lock(mutex_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) break;
      ++idle_;
      bool woke =
          work_.wait_for(lock, options_.idle_exit, [this] { return !queue_.empty() || stopping_; });
      --idle_;
      if (!woke) break;  // idle long enough: give the thread back
      continue;
    }
    auto task = std::move(queue_.front().task);
    const auto since = queue_.front().since;
    queue_.pop_front();
    ++running_;
    lock.unlock();
    wait_metric_->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
    if (--running_ == 0 && queue_.empty()) gone_.notify_all();
  }
  --threads_;
  if (threads_ == 0) gone_.notify_all();
}

}  // namespace mosaic::exec

namespace mosaic::exec {

bool WorkerPool::wait_idle(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  return gone_.wait_until(lock, until, [this] { return running_ == 0 && queue_.empty(); });
}

}  // namespace mosaic::exec
