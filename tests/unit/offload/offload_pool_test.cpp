// The offload pool: bounded threads, a bounded queue that refuses at once, queue deadlines,
// withdrawal, and errors carried back to the caller.
#include "offload/offload_pool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include "metrics/registry.hpp"

namespace mosaic::offload {
namespace {

using namespace std::chrono_literals;
using Outcome = OffloadPool::Outcome;

OffloadPool::Options options(std::size_t threads, std::size_t queue,
                             std::string name = "offload-test") {
  OffloadPool::Options o;
  o.name = std::move(name);
  o.threads = threads;
  o.queue = queue;
  o.timeout = 10s;
  return o;
}

Clock::time_point in(Clock::duration d) {
  return Clock::now() + d;
}

// Occupies every thread of a pool until open() (or destruction, which waits for the tasks to
// end so that the latches they use outlive them).
class Gate {
 public:
  Gate(OffloadPool& pool, std::size_t threads)
      : pool_(pool), started_(static_cast<std::ptrdiff_t>(threads)) {
    for (std::size_t i = 0; i < threads; ++i) {
      jobs_.push_back(pool_.try_submit(
          [this] {
            started_.count_down();
            open_.wait();
          },
          in(10s)));
    }
    started_.wait();
  }
  ~Gate() {
    open();
    for (const auto& job : jobs_) pool_.wait(job);
  }
  void open() {
    if (!opened_.exchange(true)) open_.count_down();
  }

 private:
  OffloadPool& pool_;
  std::latch started_;
  std::latch open_{1};
  std::atomic<bool> opened_{false};
  std::vector<OffloadPool::JobPtr> jobs_;
};

TEST(OffloadPool, RunsTasksOnAFixedNumberOfThreads) {
  OffloadPool pool(options(2, 1000));
  EXPECT_EQ(pool.stats().threads, 2u);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> running{0}, most{0}, done{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 8; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto outcome = pool.run(
            [&] {
              const int now = ++running;
              int seen = most.load();
              while (now > seen && !most.compare_exchange_weak(seen, now)) {
              }
              {
                std::lock_guard lock(mutex);
                threads.insert(std::this_thread::get_id());
              }
              std::this_thread::sleep_for(100us);
              --running;
              ++done;
            },
            in(10s));
        EXPECT_EQ(outcome, Outcome::kDone);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(done.load(), 200);
  EXPECT_LE(most.load(), 2);  // never more than `threads` at once
  EXPECT_LE(threads.size(), 2u);
  EXPECT_FALSE(threads.count(std::this_thread::get_id()));
}

TEST(OffloadPool, AFullQueueRefusesAtOnce) {
  OffloadPool pool(options(1, 2, "offload-refuse-test"));
  auto& refused = metrics::Registry::global().counter(
      "mosaic_offload_tasks_total", "", {{"pool", "offload-refuse-test"}, {"outcome", "refused"}});
  const auto refused_before = refused.value();
  Gate gate(pool, 1);
  std::atomic<int> ran{0};
  auto first = pool.try_submit([&] { ++ran; }, in(10s));
  auto second = pool.try_submit([&] { ++ran; }, in(10s));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(pool.stats().queued, 2u);

  const auto start = Clock::now();
  EXPECT_EQ(pool.try_submit([&] { ++ran; }, in(10s)), nullptr);
  EXPECT_EQ(pool.run([&] { ++ran; }, in(10s)), Outcome::kRefused);
  EXPECT_LT(Clock::now() - start,
            2s);  // refused without waiting for room (the gate is shut for 10 s)
  EXPECT_EQ(refused.value() - refused_before, 2u);

  gate.open();
  EXPECT_EQ(pool.wait(first), Outcome::kDone);
  EXPECT_EQ(pool.wait(second), Outcome::kDone);
  EXPECT_EQ(ran.load(), 2);
}

TEST(OffloadPool, ATaskWaitsInTheQueueNoLongerThanItsDeadline) {
  OffloadPool pool(options(1, 10));
  std::atomic<bool> ran{false};
  {
    Gate gate(pool, 1);
    const auto start = Clock::now();
    EXPECT_EQ(pool.run([&] { ran = true; }, in(50ms)), Outcome::kExpired);
    const auto waited = Clock::now() - start;
    EXPECT_GE(waited, 50ms);
    EXPECT_LT(waited, 5s);
    EXPECT_EQ(pool.stats().queued, 0u);  // taken out of the queue
  }
  // The thread is free again: the expired task is never run.
  EXPECT_EQ(pool.run([] {}, in(10s)), Outcome::kDone);
  EXPECT_FALSE(ran.load());
}

TEST(OffloadPool, TheQueueDeadlineIsTheRequestDeadlineCappedByTheTimeout) {
  auto o = options(1, 10);
  o.timeout = 200ms;
  OffloadPool pool(o);
  const auto soon = in(50ms);
  EXPECT_EQ(pool.queue_deadline(soon), soon);
  const auto capped = pool.queue_deadline(in(1h));
  EXPECT_LE(capped, in(200ms));
}

TEST(OffloadPool, AWithdrawnTaskNeverRunsAndARunningOneFinishes) {
  OffloadPool pool(options(1, 10));
  std::atomic<bool> ran{false};
  OffloadPool::JobPtr queued;
  {
    Gate gate(pool, 1);
    queued = pool.try_submit([&] { ran = true; }, in(10s));
    ASSERT_TRUE(queued);
    auto waiter = std::async(std::launch::async, [&] { return pool.wait(queued); });
    std::this_thread::sleep_for(20ms);
    pool.withdraw(queued);
    EXPECT_EQ(waiter.get(), Outcome::kWithdrawn);
  }
  EXPECT_EQ(pool.run([] {}, in(10s)), Outcome::kDone);
  EXPECT_FALSE(ran.load());

  std::latch started(1), release(1);
  std::atomic<bool> finished{false};
  auto running = pool.try_submit(
      [&] {
        started.count_down();
        release.wait();
        finished = true;
      },
      in(10s));
  started.wait();
  pool.withdraw(running);  // too late: it runs to its end
  release.count_down();
  EXPECT_EQ(pool.wait(running), Outcome::kDone);
  EXPECT_TRUE(finished.load());
}

TEST(OffloadPool, AnExceptionReachesTheCaller) {
  OffloadPool pool(options(1, 10));
  EXPECT_THROW(pool.run([] { throw std::runtime_error("boom"); }, in(10s)), std::runtime_error);
  EXPECT_EQ(pool.run([] {}, in(10s)), Outcome::kDone);  // the thread survived
}

TEST(OffloadPool, StoppingWithdrawsWhatIsQueued) {
  auto pool = std::make_unique<OffloadPool>(options(1, 10));
  std::latch started(1), release(1);
  auto blocker = pool->try_submit(
      [&] {
        started.count_down();
        release.wait();
      },
      in(10s));
  started.wait();
  std::atomic<bool> ran{false};
  auto queued = pool->try_submit([&] { ran = true; }, in(10s));
  auto waiter = std::async(std::launch::async, [&, p = pool.get()] { return p->wait(queued); });
  auto stopper = std::async(std::launch::async, [&] { pool.reset(); });
  EXPECT_EQ(waiter.get(), Outcome::kWithdrawn);
  release.count_down();
  stopper.get();
  EXPECT_FALSE(ran.load());
}

TEST(OffloadPool, ItsThreadsRunNicerThanTheProcess) {
  auto o = options(1, 10);
  o.nice = 5;
  OffloadPool pool(o);
  errno = 0;
  const int process = ::getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  int in_pool = -100;
  ASSERT_EQ(
      pool.run(
          [&] { in_pool = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))); },
          in(10s)),
      Outcome::kDone);
  EXPECT_EQ(in_pool, std::min(19, process + 5));
  EXPECT_EQ(::getpriority(PRIO_PROCESS, 0), process);  // the calling thread is untouched
}

TEST(OffloadPool, QueueWaitsAreObserved) {
  OffloadPool pool(options(1, 10, "offload-wait-test"));
  auto& histogram = metrics::Registry::global().histogram("mosaic_queue_wait_seconds", "",
                                                          {{"queue", "offload-wait-test"}});
  const auto before = histogram.snapshot().count;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pool.run([] {}, in(10s)), Outcome::kDone);
  EXPECT_EQ(histogram.snapshot().count - before, 5u);
}

}  // namespace
}  // namespace mosaic::offload
