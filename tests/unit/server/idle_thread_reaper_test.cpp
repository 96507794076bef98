// IdleThreadReaper: a Poco::ThreadPool grown by a burst goes back to its minimum once its threads
// have been idle past the pool's idle time, without waiting for new work to trigger Poco's own
// housekeeping.
#include "server/idle_thread_reaper.hpp"

#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace mosaic::server {
namespace {

using namespace std::chrono_literals;

// Holds its thread until released, so that a burst of n starts needs n threads.
struct Held : Poco::Runnable {
  std::atomic<bool> release{false};
  std::atomic<int> done{0};
  void run() override {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    ++done;
  }
};

// Starts `n` runnables at once (each on a thread of its own) and waits for them.
void burst(Poco::ThreadPool& pool, Held& work, int n) {
  for (int i = 0; i < n; ++i) pool.start(work);
  work.release = true;
  pool.joinAll();
  ASSERT_EQ(work.done.load(), n);
}

TEST(IdleThreadReaper, ABurstsThreadsLeaveOnceIdle) {
  Poco::ThreadPool pool(1, 16, /*idle seconds=*/1);
  Held work;
  IdleThreadReaper reaper(pool, 100ms);
  burst(pool, work, 8);
  EXPECT_EQ(pool.allocated(), 8);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (pool.allocated() > 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(pool.allocated(), 1);
}

TEST(IdleThreadReaper, WithoutItTheThreadsStay) {
  // What the reaper is for: Poco alone keeps them until it is next asked for a thread.
  Poco::ThreadPool pool(1, 16, 1);
  Held work;
  burst(pool, work, 8);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(pool.allocated(), 8);
}

}  // namespace
}  // namespace mosaic::server
