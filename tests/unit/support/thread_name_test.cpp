// Threads are named for ops and profiles; Linux keeps 15 bytes of a name, so a longer one is cut
// rather than refused (pthread_setname_np fails with ERANGE on 16 bytes or more).
#include "support/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace mosaic::support {
namespace {

std::string name_seen_after(std::string_view given) {
  std::string seen;
  std::thread([&] {
    name_this_thread(given);
    char name[16] = {};
    ::pthread_getname_np(::pthread_self(), name, sizeof name);
    seen = name;
  }).join();
  return seen;
}

TEST(ThreadName, AShortNameIsKeptWhole) {
  EXPECT_EQ(name_seen_after("steps"), "steps");
}

TEST(ThreadName, ANameOfSixteenBytesOrMoreIsCutToFifteen) {
  EXPECT_EQ(name_seen_after("a-pool-with-a-long-name"), "a-pool-with-a-l");
}

}  // namespace
}  // namespace mosaic::support
