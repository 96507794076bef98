#pragma once
// RFC 9110's token (tchar: letters, digits and !#$%&'*+-.^_`|~), the syntax of methods and header
// field names, as a table: every byte of every name of every head, sent or received, goes
// through it.
#include <array>
#include <cstddef>
#include <string_view>

namespace mosaic::support {

inline constexpr std::array<bool, 256> kHttpTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool is_http_token_char(char c) {
  return kHttpTokenChars[static_cast<unsigned char>(c)];
}

// A non-empty run of token bytes.
inline bool is_http_token(std::string_view s) {
  for (char c : s)
    if (!is_http_token_char(c)) return false;
  return !s.empty();
}

}  // namespace mosaic::support
