#include "support/file_digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace mosaic::support {

namespace {

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

void update(EVP_MD_CTX* ctx, const void* data, std::size_t size) {
  if (EVP_DigestUpdate(ctx, data, size) != 1) throw std::runtime_error("SHA-256 update failed");
}

// Length-prefixed, so that the boundaries between paths and contents cannot shift.
void update_field(EVP_MD_CTX* ctx, const std::string& text) {
  const std::string size = std::to_string(text.size()) + ':';
  update(ctx, size.data(), size.size());
  update(ctx, text.data(), text.size());
}

}  // namespace

std::string files_digest(const std::vector<std::string>& paths) {
  std::unique_ptr<EVP_MD_CTX, DigestContextFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  for (const std::string& path : paths) {
    update_field(ctx.get(), path);
    if (path.empty()) continue;
    std::ifstream in(path, std::ios::binary);
    std::string content;
    std::array<char, 8192> buffer{};
    while (in) {
      in.read(buffer.data(), buffer.size());
      content.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    update_field(ctx.get(), in.is_open() && !in.bad() ? "content" : "unreadable");
    update_field(ctx.get(), content);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1)
    throw std::runtime_error("SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace mosaic::support
