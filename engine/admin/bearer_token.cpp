#include "admin/bearer_token.hpp"

#include <cstddef>

namespace mosaic::admin {

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Every byte of the longer input is visited whatever the contents; only the lengths leak.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  // Read through a volatile so the loop cannot be cut short by the optimizer.
  volatile unsigned char result = diff;
  return result == 0;
}

bool authorized(std::string_view authorization, std::string_view token) {
  if (token.empty()) return true;
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  std::string_view offered = authorization.substr(kScheme.size());
  while (!offered.empty() && offered.front() == ' ') offered.remove_prefix(1);
  while (!offered.empty() && (offered.back() == ' ' || offered.back() == '\t'))
    offered.remove_suffix(1);
  return constant_time_equals(offered, token);
}

}  // namespace mosaic::admin
