#include "support/malloc_arenas.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mosaic::support {
namespace {

// The arenas glibc has now, from malloc_info's report (one <heap nr="..."> per arena).
int arena_count() {
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  std::string report(text, size);
  std::free(text);
  int count = 0;
  for (std::size_t at = report.find("<heap nr="); at != std::string::npos;
       at = report.find("<heap nr=", at + 1))
    ++count;
  return count;
}

// Each new thread's first allocation takes a new arena while there are fewer than the cap
// (an arena freed by a thread that ended is reused first, so the threads live side by side).
int arenas_after_threads(int threads) {
  std::mutex mutex;
  std::condition_variable changed;
  int allocated = 0;
  bool counted = false;
  std::vector<std::thread> started;
  for (int i = 0; i < threads; ++i) {
    started.emplace_back([&] {
      // Above the per-thread cache, so an arena serves it; written to, so that the compiler
      // cannot drop the malloc/free pair.
      void* volatile p = std::malloc(64 * 1024);
      static_cast<char*>(p)[0] = 1;
      std::unique_lock lock(mutex);
      ++allocated;
      changed.notify_all();
      changed.wait(lock, [&] { return counted; });
      lock.unlock();
      std::free(p);
    });
  }
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return allocated == threads; });
  const int arenas = arena_count();
  counted = true;
  changed.notify_all();
  lock.unlock();
  for (auto& t : started) t.join();
  return arenas;
}

// In a fresh process (the "threadsafe" death-test style re-runs this binary for the child), so
// that no earlier test's threads made arenas first.
TEST(MallocArenas, NewThreadsShareTheCappedArenas) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::unsetenv("MALLOC_ARENA_MAX");
        const int cap = limit_malloc_arenas();
        const int arenas = arenas_after_threads(12);
        std::exit(cap >= 2 && arenas <= cap ? 0 : 10 + arenas);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(MallocArenas, WithoutTheCapEachThreadTakesItsOwnArena) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // What the cap is for: glibc's default lets 12 threads make about 12 arenas.
  EXPECT_EXIT(
      {
        ::unsetenv("MALLOC_ARENA_MAX");
        std::exit(arenas_after_threads(12) > 4 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(MallocArenas, TheOperatorsSettingIsKept) {
  ::setenv("MALLOC_ARENA_MAX", "7", 1);
  EXPECT_EQ(limit_malloc_arenas(), 0);
  ::unsetenv("MALLOC_ARENA_MAX");
}

}  // namespace
}  // namespace mosaic::support
