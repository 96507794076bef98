#include "offload/offload_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "metrics/registry.hpp"
#include "support/thread_name.hpp"

namespace mosaic::offload {

namespace {

enum State { kQueued, kRunning, kDone, kExpired, kWithdrawn };

}  // namespace

class OffloadPool::Job {
 public:
  std::function<void()> task;
  Clock::time_point queue_deadline;
  Clock::time_point enqueued;
  int state = kQueued;
  std::exception_ptr error;
  std::condition_variable changed;
};

const char* to_string(OffloadPool::Outcome outcome) {
  switch (outcome) {
    case OffloadPool::Outcome::kDone:
      return "done";
    case OffloadPool::Outcome::kRefused:
      return "refused";
    case OffloadPool::Outcome::kExpired:
      return "expired";
    case OffloadPool::Outcome::kWithdrawn:
      return "withdrawn";
  }
  return "done";
}

OffloadPool::OffloadPool(Options options) : options_(std::move(options)) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  if (options_.queue == 0) options_.queue = 1;
  auto& registry = metrics::Registry::global();
  const metrics::Labels pool{{"pool", options_.name}};
  wait_metric_ = &metrics::queue_wait_histogram(options_.name);
  const std::string help = "Offload pool tasks by outcome";
  done_metric_ = &registry.counter("mosaic_offload_tasks_total", help,
                                   {{"pool", options_.name}, {"outcome", "done"}});
  refused_metric_ = &registry.counter("mosaic_offload_tasks_total", help,
                                      {{"pool", options_.name}, {"outcome", "refused"}});
  expired_metric_ = &registry.counter("mosaic_offload_tasks_total", help,
                                      {{"pool", options_.name}, {"outcome", "expired"}});
  withdrawn_metric_ = &registry.counter("mosaic_offload_tasks_total", help,
                                        {{"pool", options_.name}, {"outcome", "withdrawn"}});
  queue_gauge_id_ =
      registry.gauge_callback("mosaic_offload_queue_length", "Offload tasks waiting for a thread",
                              pool, [this] { return static_cast<double>(stats().queued); });
  busy_gauge_id_ =
      registry.gauge_callback("mosaic_offload_busy_threads", "Offload threads running a task", pool,
                              [this] { return static_cast<double>(stats().busy); });
  threads_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { worker(); });
}

OffloadPool::~OffloadPool() {
  auto& registry = metrics::Registry::global();
  const metrics::Labels pool{{"pool", options_.name}};
  registry.remove_gauge_callback("mosaic_offload_queue_length", pool, queue_gauge_id_);
  registry.remove_gauge_callback("mosaic_offload_busy_threads", pool, busy_gauge_id_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& job : queue_) finish_unrun(job, kWithdrawn);
    queue_.clear();
  }
  work_.notify_all();
  for (auto& thread : threads_) thread.join();
}

Clock::time_point OffloadPool::queue_deadline(Clock::time_point deadline) const {
  return std::min(deadline, Clock::now() + options_.timeout);
}

OffloadPool::JobPtr OffloadPool::try_submit(std::function<void()> task,
                                            Clock::time_point queue_deadline) {
  auto job = std::make_shared<Job>();
  job->task = std::move(task);
  job->queue_deadline = queue_deadline;
  job->enqueued = Clock::now();
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue) {
      refused_metric_->inc();
      return nullptr;
    }
    queue_.push_back(job);
  }
  work_.notify_one();
  return job;
}

void OffloadPool::finish_unrun(const JobPtr& job, int state) {
  job->state = state;
  (state == kExpired ? expired_metric_ : withdrawn_metric_)->inc();
  job->changed.notify_all();
}

OffloadPool::Outcome OffloadPool::wait(const JobPtr& job) {
  std::unique_lock lock(mutex_);
  while (true) {
    switch (job->state) {
      case kDone:
        if (job->error) {
          auto error = job->error;
          lock.unlock();
          std::rethrow_exception(error);
        }
        return Outcome::kDone;
      case kExpired:
        return Outcome::kExpired;
      case kWithdrawn:
        return Outcome::kWithdrawn;
      case kRunning:
        job->changed.wait(lock);
        break;
      case kQueued:
        if (job->changed.wait_until(lock, job->queue_deadline) == std::cv_status::timeout &&
            job->state == kQueued) {
          std::erase(queue_, job);
          finish_unrun(job, kExpired);
          return Outcome::kExpired;
        }
        break;
    }
  }
}

void OffloadPool::withdraw(const JobPtr& job) {
  std::lock_guard lock(mutex_);
  if (job->state != kQueued) return;
  std::erase(queue_, job);
  finish_unrun(job, kWithdrawn);
}

OffloadPool::Outcome OffloadPool::run(std::function<void()> task,
                                      Clock::time_point queue_deadline) {
  auto job = try_submit(std::move(task), queue_deadline);
  if (!job) return Outcome::kRefused;
  return wait(job);
}

OffloadPool::Stats OffloadPool::stats() const {
  std::lock_guard lock(mutex_);
  return {threads_.size(), busy_, queue_.size()};
}

void OffloadPool::worker() {
  support::name_this_thread(options_.name);
  if (options_.nice > 0) {
    // Linux applies a nice value per thread (PRIO_PROCESS with a thread id); raising it needs no
    // privilege. A failure only leaves the thread at the process's priority.
    errno = 0;
    const int base = ::getpriority(PRIO_PROCESS, 0);
    if (errno == 0) {
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)),
                          std::min(19, base + options_.nice));
    }
  }
  std::unique_lock lock(mutex_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    JobPtr job = std::move(queue_.front());
    queue_.pop_front();
    const auto now = Clock::now();
    if (now > job->queue_deadline) {
      finish_unrun(job, kExpired);
      continue;
    }
    job->state = kRunning;
    ++busy_;
    auto task = std::move(job->task);
    lock.unlock();
    wait_metric_->observe(std::chrono::duration<double>(now - job->enqueued).count());
    std::exception_ptr error;
    try {
      task();
    } catch (...) {
      error = std::current_exception();
    }
    task = nullptr;  // captures are destroyed before the waiter is told, outside the lock
    lock.lock();
    --busy_;
    job->error = error;
    job->state = kDone;
    done_metric_->inc();
    job->changed.notify_all();
  }
}

}  // namespace mosaic::offload
