#include "support/memory_trimmer.hpp"

#include <malloc.h>

namespace mosaic::support {

MemoryTrimmer::MemoryTrimmer(std::chrono::milliseconds every)
    : thread_(every, [] { ::malloc_trim(0); }) {}

}  // namespace mosaic::support
