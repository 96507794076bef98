#include "support/random_bytes.hpp"

#include <sys/random.h>

#include <array>
#include <stdexcept>

namespace mosaic::support {

namespace {

class RandomBuffer {
 public:
  void fill(std::uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (used_ == buffer_.size()) refill();
      out[i] = buffer_[used_++];
    }
  }

 private:
  void refill() {
    std::size_t got = 0;
    while (got < buffer_.size()) {
      ssize_t n = ::getrandom(buffer_.data() + got, buffer_.size() - got, 0);
      if (n < 0) throw std::runtime_error("getrandom failed");
      got += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  std::array<std::uint8_t, 4096> buffer_{};
  std::size_t used_ = buffer_.size();
};

}  // namespace

void random_bytes(std::uint8_t* out, std::size_t n) {
  thread_local RandomBuffer buffer;
  buffer.fill(out, n);
}

}  // namespace mosaic::support
