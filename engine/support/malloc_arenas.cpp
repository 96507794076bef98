#include "support/malloc_arenas.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace mosaic::support {

int limit_malloc_arenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return 0;
  const int cap = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  return ::mallopt(M_ARENA_MAX, cap) == 1 ? cap : 0;
}

}  // namespace mosaic::support
