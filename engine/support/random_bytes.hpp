#pragma once
// Unguessable bytes (request ids, trace and span ids) from getrandom(2), read in blocks through a
// per-thread buffer so that one system call serves many ids.
#include <cstddef>
#include <cstdint>

namespace mosaic::support {

void random_bytes(std::uint8_t* out, std::size_t n);

}  // namespace mosaic::support
