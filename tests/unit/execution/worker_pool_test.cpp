// The bounded pool that runs blocking steps: threads on demand up to a bound, then a bounded
// queue, then refusal; an idle thread is reused before a new one starts; idle threads leave.
#include "execution/worker_pool.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace mosaic::exec {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Holds every task that waits on it until opened.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  bool wait_for_waiting(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

WorkerPool::Options options(std::size_t threads, std::size_t queue,
                            std::chrono::milliseconds idle_exit = 30s) {
  return {"test", threads, queue, idle_exit};
}

// Waits until the pool's stats satisfy `done`.
template <typename Done>
bool eventually(const WorkerPool& pool, Done done) {
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until) {
    if (done(pool.stats())) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

TEST(WorkerPool, StartsThreadsUpToItsBoundThenQueuesThenRefuses) {
  // Declared before the pool, which they must outlive: its threads use them until it ends.
  Gate gate;
  std::atomic<int> ran{0};
  WorkerPool pool(options(2, 1));
  auto task = [&] {
    gate.wait();
    ++ran;
  };
  ASSERT_TRUE(pool.try_submit(task));
  ASSERT_TRUE(pool.try_submit(task));
  ASSERT_TRUE(gate.wait_for_waiting(2));
  EXPECT_EQ(pool.stats().threads, 2u);
  EXPECT_TRUE(pool.try_submit(task));   // queued
  EXPECT_FALSE(pool.try_submit(task));  // the queue is full
  auto stats = pool.stats();
  EXPECT_EQ(stats.queued, 1u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.accepted, 3u);
  gate.open();
  ASSERT_TRUE(pool.wait_idle(Clock::now() + 5s));
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(pool.stats().queued, 0u);
}

TEST(WorkerPool, AnIdleThreadTakesTheNextTaskInsteadOfANewThreadStarting) {
  WorkerPool pool(options(8, 0));
  ASSERT_TRUE(pool.try_submit([] {}));
  ASSERT_TRUE(eventually(pool, [](const auto& s) { return s.idle == 1; }));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.try_submit([] {}));
    ASSERT_TRUE(pool.wait_idle(Clock::now() + 5s));  // done, and its thread idle again
    ASSERT_EQ(pool.stats().idle, 1u);
  }
  EXPECT_EQ(pool.stats().threads, 1u);
  EXPECT_EQ(pool.stats().accepted, 21u);
}

TEST(WorkerPool, IdleThreadsLeaveAfterIdleExit) {
  Gate gate;  // before the pool, which it must outlive: its threads use it until it ends
  WorkerPool pool(options(4, 0, 50ms));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pool.try_submit([&] { gate.wait(); }));
  ASSERT_TRUE(gate.wait_for_waiting(4));
  gate.open();
  EXPECT_TRUE(eventually(pool, [](const auto& s) { return s.threads == 0 && s.idle == 0; }));
  // And the pool still works: a thread starts again.
  std::atomic<bool> ran{false};
  ASSERT_TRUE(pool.try_submit([&] { ran = true; }));
  ASSERT_TRUE(pool.wait_idle(Clock::now() + 5s));
  EXPECT_TRUE(ran.load());
}

TEST(WorkerPool, WaitIdleWaitsForATaskAnIdleThreadHasNotStartedYet) {
  WorkerPool pool(options(1, 0));
  ASSERT_TRUE(pool.try_submit([] {}));
  ASSERT_TRUE(eventually(pool, [](const auto& s) { return s.idle == 1; }));
  std::atomic<bool> done{false};
  ASSERT_TRUE(pool.try_submit([&] {
    std::this_thread::sleep_for(20ms);
    done = true;
  }));
  ASSERT_TRUE(pool.wait_idle(Clock::now() + 5s));
  EXPECT_TRUE(done.load());  // wait_idle did not return before the task ran
}

TEST(WorkerPool, DestructionRunsWhatIsQueuedThenWaitsForEveryThread) {
  std::atomic<int> ran{0};
  {
    Gate gate;  // before the pool: a worker may still be leaving gate.wait() as the pool ends
    WorkerPool pool(options(1, 10));
    ASSERT_TRUE(pool.try_submit([&] {
      gate.wait();
      ++ran;
    }));
    ASSERT_TRUE(gate.wait_for_waiting(1));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.try_submit([&] { ++ran; }));
    EXPECT_EQ(pool.stats().queued, 5u);
    gate.open();
  }
  EXPECT_EQ(ran.load(), 6);
}

TEST(WorkerPool, DestructionWakesIdleThreadsAndRefusesNothingBeforeIt) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(options(4, 0));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(pool.try_submit([&] { ++ran; }));
    ASSERT_TRUE(eventually(pool, [](const auto& s) { return s.idle == s.threads; }));
  }  // would hang here if an idle thread were not woken
  EXPECT_EQ(ran.load(), 4);
}

// The pool's threads carry its name, so `top -H` and a profile can tell the pools apart.
TEST(WorkerPool, ItsThreadsAreNamedAfterThePool) {
  std::promise<std::string> seen;  // before the pool: set_value may still be returning
  WorkerPool::Options o = options(1, 0);
  o.name = "steps";
  WorkerPool pool(o);
  ASSERT_TRUE(pool.try_submit([&] {
    char name[16] = {};
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
    seen.set_value(name);
  }));
  EXPECT_EQ(seen.get_future().get(), "steps");
}

TEST(WorkerPool, ManySubmittersLoseNoTask) {
  WorkerPool pool(options(4, 100000));
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        while (!pool.try_submit([&] { ++ran; })) std::this_thread::yield();
      }
    });
  }
  for (auto& t : submitters) t.join();
  ASSERT_TRUE(pool.wait_idle(Clock::now() + 10s));
  EXPECT_EQ(ran.load(), 8000);
  EXPECT_EQ(pool.stats().accepted, 8000u);
  EXPECT_LE(pool.stats().threads, 4u);
}

}  // namespace
}  // namespace mosaic::exec
