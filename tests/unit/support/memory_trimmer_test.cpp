#include "support/memory_trimmer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

namespace mosaic::support {
namespace {

using namespace std::chrono_literals;

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

void wait_for_rounds(const MemoryTrimmer& trimmer, std::uint64_t rounds) {
  for (int i = 0; i < 200 && trimmer.rounds() < rounds; ++i) std::this_thread::sleep_for(10ms);
}

// Every other block of 2,000 x 32 KiB freed: 32 MiB free but held between blocks in use, which
// malloc keeps resident (only the top of a heap goes back by itself). A round gives it back.
TEST(MemoryTrimmer, FreedMemoryBetweenBlocksInUseGoesBackToTheSystem) {
  constexpr std::size_t kBlock = 32 * 1024;
  std::vector<char*> blocks;
  for (int i = 0; i < 2000; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(kBlock)));
    std::memset(blocks.back(), 1, kBlock);
  }
  for (std::size_t i = 0; i < blocks.size(); i += 2) std::free(blocks[i]);
  const std::size_t before = resident_bytes();
  {
    MemoryTrimmer trimmer(20ms);
    wait_for_rounds(trimmer, 2);
    ASSERT_GE(trimmer.rounds(), 2u);
  }
  const std::size_t after = resident_bytes();
  EXPECT_GT(before, after + 16 * 1024 * 1024) << "before " << before << ", after " << after;
  for (std::size_t i = 1; i < blocks.size(); i += 2) std::free(blocks[i]);
}

TEST(MemoryTrimmer, StopsAtOnceWhenDestroyed) {
  const auto start = std::chrono::steady_clock::now();
  { MemoryTrimmer trimmer(1h); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace mosaic::support
