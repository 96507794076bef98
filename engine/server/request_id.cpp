#include "server/request_id.hpp"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace mosaic::server {

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

// getrandom(2) in blocks: one system call serves many ids.
class RandomBytes {
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

std::string generate_request_id() {
  thread_local RandomBytes random;
  std::uint8_t bytes[16];
  random.fill(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    id[2 * i] = kHex[bytes[i] >> 4];
    id[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return id;
}

}  // namespace mosaic::server
